from django.contrib import admin

from portfolio.models import (
    Evidence,
    EvidenceMapping,
    PortfolioExport,
    Submission,
    SubmissionVersion,
    UnitPolicy,
)


class MappingInline(admin.TabularInline):
    model = EvidenceMapping
    extra = 0
    raw_id_fields = ["marking_point"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "learner",
        "unit",
        "centre",
        "is_locked",
        "updated_at",
    ]
    list_filter = ["kind", "is_locked", "centre"]
    search_fields = ["title", "learner__username", "original_name"]
    raw_id_fields = ["learner", "unit", "centre"]
    readonly_fields = ["file", "content_type", "size", "sha256", "extraction_status"]
    inlines = [MappingInline]


class VersionInline(admin.TabularInline):
    model = SubmissionVersion
    extra = 0
    readonly_fields = [
        "number",
        "declared_authentic",
        "ai_level",
        "ai_use",
        "created_at",
    ]
    fields = readonly_fields
    can_delete = False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = [
        "learner",
        "unit",
        "centre",
        "status",
        "current_version",
        "submitted_at",
    ]
    list_filter = ["status", "centre"]
    search_fields = ["learner__username", "unit__title"]
    raw_id_fields = ["learner", "unit", "centre"]
    readonly_fields = ["status", "current_version", "submitted_at"]
    inlines = [VersionInline]


@admin.register(UnitPolicy)
class UnitPolicyAdmin(admin.ModelAdmin):
    list_display = ["unit", "centre", "ai_use_level"]
    list_filter = ["ai_use_level", "centre"]


@admin.register(PortfolioExport)
class PortfolioExportAdmin(admin.ModelAdmin):
    list_display = ["submission", "requested_by", "status", "created_at"]
    raw_id_fields = ["submission", "requested_by"]
