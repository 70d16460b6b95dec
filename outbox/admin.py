from django.contrib import admin

from outbox.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["task_name", "args", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "task_name"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
