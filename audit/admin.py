from django.contrib import admin

from audit.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """The admin of records the project writes and nobody edits: the audit log here, imports,
    runs and histories in the apps above."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_name", "action", "subject", "relation", "what"]
    list_filter = ["action", "subject_type"]
    search_fields = ["actor_name", "subject", "relation"]
    date_hierarchy = "at"

    @admin.display(description="what changed")
    def what(self, entry: AuditEntry) -> str:
        return "; ".join(
            f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
            for key, value in entry.changes.items()
        )
