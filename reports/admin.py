"""Saved reports and deliveries in the admin: for looking, and for pausing a schedule."""

from django.contrib import admin

from reports.models import Delivery, SavedReport


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["trigger", "status", "attempts", "finished_at", "rows", "bytes", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SavedReport)
class SavedReportAdmin(admin.ModelAdmin):
    list_display = ["name", "schedule", "created_by", "created_at"]
    list_filter = ["schedule"]
    readonly_fields = ["query", "created_by", "created_at"]
    inlines = [DeliveryInline]
