"""The groups people are put in, with the permissions their work needs.

Kept in step after every migrate, so a new model's permissions reach the right group.
"""

from django.contrib.auth.models import Group, Permission

ROLES: dict[str, dict[str, list[str]]] = {
    "Definition admins": {
        "engagement": [
            "view_engagementdefinition",
            "change_engagementdefinition",
            "delete_engagementdefinition",
            "view_rung",
            "add_rung",
            "change_rung",
            "delete_rung",
            "view_interactionkind",
            "add_interactionkind",
            "change_interactionkind",
            "delete_interactionkind",
            "view_recomputerun",
            "add_recomputerun",
            "view_distributionsnapshot",
        ],
    },
    "Force data managers": {
        "forces": ["view_force", "view_channel", "add_channel", "change_channel"],
        "engagement": ["view_importbatch", "view_interaction", "add_interaction"],
    },
    "Analysts": {
        "forces": ["view_force", "view_channel"],
        "engagement": ["view_engagementdefinition", "view_recomputerun"],
    },
}


def ensure_roles(**kwargs) -> None:
    for name, perms_by_app in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = Permission.objects.none()
        for app_label, codenames in perms_by_app.items():
            wanted |= Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        group.permissions.add(*wanted)


# Who may start a recompute from the pages: the permission, or staff for now (the sign-in and
# roles work gives the permission to the right groups).
START_RECOMPUTE_PERMISSIONS = ("engagement.start_recompute", "engagement.add_recomputerun")


def may_start_recompute(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_staff or any(user.has_perm(p) for p in START_RECOMPUTE_PERMISSIONS))
    )
