"""Django admin for superusers. Decisions, reviews and the audit log are read-only
here too: history is changed only by recording a correction through the services."""

from typing import Any

from django.contrib import admin

from assessments.models import (
    AssessmentDecision,
    AuditEntry,
    CommentBankEntry,
    IqaReview,
    ResubmissionPolicy,
    UnitMarkingRule,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "action", "object_type", "object_id", "actor"]
    list_filter = ["action"]
    search_fields = ["object_id", "hash"]


@admin.register(AssessmentDecision)
class AssessmentDecisionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "submission", "outcome", "score", "assessor", "sampled"]
    list_filter = ["outcome", "sampled", "centre"]


@admin.register(IqaReview)
class IqaReviewAdmin(ReadOnlyAdmin):
    list_display = ["decision", "iqa", "verdict", "created_at"]


@admin.register(ResubmissionPolicy)
class ResubmissionPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "qualification",
        "max_resubmissions",
        "window_days",
        "authoriser_role",
    ]


@admin.register(UnitMarkingRule)
class UnitMarkingRuleAdmin(admin.ModelAdmin):
    list_display = ["unit", "rule", "min_percent"]


@admin.register(CommentBankEntry)
class CommentBankEntryAdmin(admin.ModelAdmin):
    list_display = ["text", "centre", "owner"]
    list_filter = ["centre"]
