from django.contrib import admin

from audit.admin import HistoryAdmin
from forces.models import Channel, Force


class ChannelInline(admin.TabularInline):
    model = Channel
    extra = 0
    fields = ["slug", "platform", "name", "team", "url", "active"]
    show_change_link = True


@admin.register(Force)
class ForceAdmin(HistoryAdmin):
    list_display = ["name", "slug", "region", "country", "population", "population_year"]
    list_filter = ["region", "country"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "region", "country"]}),
        (
            "Population of the force area",
            {
                "description": "Replace with a newer estimate when one is published; "
                "say which year it describes and where it comes from.",
                "fields": ["population", "population_year", "population_source"],
            },
        ),
    ]
    inlines = [ChannelInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Channel)
class ChannelAdmin(HistoryAdmin):
    list_display = ["name", "force", "slug", "platform", "team", "active"]
    list_filter = ["platform", "active", "force__region", "force"]
    list_select_related = ["force"]
    search_fields = ["name", "slug", "team", "force__name"]
