"""Django admin for superusers; centre admins upload documents at /revision/upload/."""

from django.contrib import admin

from revision import models, signals


class MarkingPointInline(admin.TabularInline):
    model = models.MarkingPoint
    extra = 0
    fields = ["position", "text", "outcome"]


class MisconceptionInline(admin.TabularInline):
    model = models.Misconception
    extra = 0


class KeyConceptInline(admin.TabularInline):
    model = models.KeyConcept
    extra = 0


@admin.register(models.Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "unit", "source_name", "source_format", "updated_at"]
    list_filter = ["unit__qualification", "source_format"]
    search_fields = ["title", "synopsis", "source_name"]
    readonly_fields = ["source_hash", "updated_at"]
    inlines = [MarkingPointInline, KeyConceptInline, MisconceptionInline]

    def save_related(self, request, form, formsets, change):
        """An edit here is a content change like an import: cards, cached pages
        and portfolios showing the topic's marking points follow it."""
        super().save_related(request, form, formsets, change)
        topic = form.instance
        signals.topic_content_changed.send(
            sender=models.Topic, topic=topic, unit=topic.unit
        )


@admin.register(models.DocumentImport)
class DocumentImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "qualification", "status", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = ["summary", "message", "topic", "created_at", "finished_at"]
    exclude = ["data"]
