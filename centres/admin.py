from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from centres.models import Centre, Cohort, Enrolment, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(User)
class CriterionUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    fieldsets = (*UserAdmin.fieldsets, ("Criterion", {"fields": ("time_zone",)}))


@admin.register(Centre)
class CentreAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "marking_target_days",
        "bank_holidays",
        "release_requires_check",
    ]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "centre", "role", "created_at"]
    list_filter = ["centre", "role"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ["learner"]


@admin.register(Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "centre", "qualification", "start_date", "end_date"]
    list_filter = ["centre"]
    search_fields = ["name"]
    filter_horizontal = ["assessors", "iqas"]
    inlines = [EnrolmentInline]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["learner", "cohort", "status", "enrolled_at"]
    list_filter = ["status", "cohort__centre"]
    autocomplete_fields = ["learner"]
