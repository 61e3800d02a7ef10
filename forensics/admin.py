from django.contrib import admin

from .models import ForensicTask, SeizureLink, TaskEvent


class TaskEventInline(admin.TabularInline):
    model = TaskEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "at", "by", "details"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ForensicTask)
class ForensicTaskAdmin(admin.ModelAdmin):
    """Read-only: tasks move through their pages, where each move is recorded."""

    list_display = ["seizure", "kind", "lab", "status", "due_at", "assigned_to"]
    list_filter = ["status", "kind", "lab"]
    inlines = [TaskEventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SeizureLink)
class SeizureLinkAdmin(admin.ModelAdmin):
    list_display = ["seizure_a", "seizure_b", "basis", "status", "proposed_at", "decided_by"]
    list_filter = ["status", "basis"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
