from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models

from audit.admin import HistoryAdmin
from forces.models import Channel, Force, ForceMembership, Route
from forces.selectors import forces_managed_by, routes_managed_by


class ManagedForcesOnly:
    """Channels (and routes) change only in the forces the person manages (all of them for a
    superuser); `managed_by` says which those are."""

    # A channel's address typed without a scheme ("facebook.com/kentpolice") is a web page.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    managed_by = staticmethod(forces_managed_by)

    def _manages(self, request, force: Force | None) -> bool:
        managed = self.managed_by(request.user)
        return managed is None or force is None or force.slug in managed

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        managed = self.managed_by(request.user)
        if db_field.name == "force" and managed is not None:
            kwargs["queryset"] = Force.objects.filter(slug__in=managed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChannelInline(ManagedForcesOnly, admin.TabularInline):
    model = Channel
    extra = 0
    fields = ["slug", "platform", "name", "team", "url", "active"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return self._manages(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._manages(request, obj) and super().has_change_permission(request, obj)


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
class ChannelAdmin(ManagedForcesOnly, HistoryAdmin):
    list_display = ["name", "force", "slug", "platform", "team", "active"]
    list_filter = ["platform", "active", "force__region", "force"]
    list_select_related = ["force"]
    search_fields = ["name", "slug", "team", "force__name"]

    def has_change_permission(self, request, obj=None):
        force = obj.force if obj is not None else None
        return self._manages(request, force) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        force = obj.force if obj is not None else None
        return self._manages(request, force) and super().has_delete_permission(request, obj)


@admin.register(Route)
class RouteAdmin(ManagedForcesOnly, HistoryAdmin):
    """Routes: definition admins keep every force's, a force data manager their own forces'."""

    list_display = ["name", "force", "rung_position", "channel", "opens_on", "closes_on"]
    list_filter = ["rung_position", "force__region", "force"]
    list_select_related = ["force", "channel"]
    search_fields = ["name", "force__name"]
    managed_by = staticmethod(routes_managed_by)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        managed = self.managed_by(request.user)
        if db_field.name == "channel":
            channels = Channel.objects.select_related("force")
            if managed is not None:
                channels = channels.filter(force__slug__in=managed)
            kwargs["queryset"] = channels
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        force = obj.force if obj is not None else None
        return self._manages(request, force) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        force = obj.force if obj is not None else None
        return self._manages(request, force) and super().has_delete_permission(request, obj)


class ForceMembershipInline(admin.TabularInline):
    model = ForceMembership
    extra = 0
    verbose_name = "force managed"
    verbose_name_plural = "Forces managed (a force data manager's channels and imports)"
    autocomplete_fields = ["force"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    """People: their roles are their groups; a force data manager's forces are listed here."""

    inlines = [*UserAdmin.inlines, ForceMembershipInline]
    list_display = [*UserAdmin.list_display, "role_names"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def role_names(self, user) -> str:
        return ", ".join(group.name for group in user.groups.all())
