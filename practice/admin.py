from django.contrib import admin

from practice.models import Card, CardState, PracticeSettings, ReviewLog


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ["front", "kind", "unit", "topic", "retired_at"]
    list_filter = ["kind", "unit"]
    search_fields = ["front", "back"]


@admin.register(CardState)
class CardStateAdmin(admin.ModelAdmin):
    list_display = ["learner", "card", "state", "due", "reps", "lapses"]
    raw_id_fields = ["learner", "card"]


@admin.register(ReviewLog)
class ReviewLogAdmin(admin.ModelAdmin):
    """Read-only: the review log is append-only."""

    list_display = ["learner", "card", "rating", "reviewed_at"]
    raw_id_fields = ["learner", "card", "session"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(PracticeSettings)
