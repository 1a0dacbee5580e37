from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

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


class HistoryAdmin(SimpleHistoryAdmin):
    """A model admin with a History page that only shows: a history is a record, not an undo.

    SIMPLE_HISTORY_REVERT_DISABLED hides the Revert button; a POST to a version's page would
    still save that version over the row, past every rule of the model's own admin (a published
    definition turned back into a draft), so it is refused here.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


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
