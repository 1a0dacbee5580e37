"""The roles people are given, as groups holding exactly the permissions their work needs.

- Analysts read every page, the API and every export, and change nothing.
- Definition admins are analysts who also draft, edit, preview and publish definitions and start
  recomputes.
- Force data managers are analysts who manage the channels, the routes and import the
  interactions of the forces they are attached to (forces.models.ForceMembership), and of no
  other.
- Definition admins keep every force's routes (CHANGE_EVERY_ROUTE).
- Superusers hold every permission. The staff flag only opens the admin; what a person may do
  there is still these permissions.

The groups are kept in step after every migrate: a permission added here reaches its group, and
one taken away here is taken from it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from forces.selectors import CHANGE_EVERY_ROUTE  # every force's routes, not only one's own

READ_FIGURES = "engagement.read_figures"
PUBLISH_DEFINITION = "engagement.publish_definition"
EDIT_DEFINITION = "engagement.change_engagementdefinition"
START_RECOMPUTE = "engagement.start_recompute"
IMPORT_INTERACTIONS = "engagement.add_interaction"
IMPORT_CHANNELS = "forces.add_channel"
IMPORT_ROUTES = "forces.add_route"
SEE_SMALL_NUMBERS = "engagement.view_small_numbers"  # counts small-number protection withholds

# A page's decorator: an analyst, or a role built on one (signed in: LoginRequiredMiddleware).
reader_required = permission_required(READ_FIGURES, raise_exception=True)

ANALYSTS = "Analysts"
DEFINITION_ADMINS = "Definition admins"
FORCE_DATA_MANAGERS = "Force data managers"

_READING = [
    READ_FIGURES,
    "engagement.view_engagementdefinition",
    "engagement.view_rung",
    "engagement.view_interactionkind",
    "engagement.view_recomputerun",
    "engagement.view_distributionsnapshot",
    "forces.view_force",
    "forces.view_channel",
    "forces.view_route",
]
# Routes (issue #25): adding, changing and deleting them; whose, CHANGE_EVERY_ROUTE decides
# (forces.selectors.routes_managed_by).
_ROUTES = [IMPORT_ROUTES, "forces.change_route", "forces.delete_route"]

ROLES: dict[str, list[str]] = {
    ANALYSTS: _READING,
    DEFINITION_ADMINS: [
        *_READING,
        EDIT_DEFINITION,
        "engagement.delete_engagementdefinition",
        "engagement.add_rung",
        "engagement.change_rung",
        "engagement.delete_rung",
        "engagement.add_interactionkind",
        "engagement.change_interactionkind",
        "engagement.delete_interactionkind",
        PUBLISH_DEFINITION,
        START_RECOMPUTE,
        SEE_SMALL_NUMBERS,
        # The history of the definition's parts and the audit log (issue #9).
        "engagement.view_historicalengagementdefinition",
        "engagement.view_historicalrung",
        "engagement.view_historicalinteractionkind",
        "audit.view_auditentry",
        # Local lenses (issue #13): any force's.
        "engagement.view_locallens",
        "engagement.change_locallens",
        "engagement.delete_locallens",
        # Routes (issue #25): every force's, and their history.
        *_ROUTES,
        CHANGE_EVERY_ROUTE,
        "forces.view_historicalroute",
    ],
    FORCE_DATA_MANAGERS: [
        *_READING,
        IMPORT_CHANNELS,
        "forces.change_channel",
        IMPORT_INTERACTIONS,
        "engagement.view_interaction",
        "engagement.view_importbatch",
        # A local lens: only their own forces' (engagement.definitions.permissions); a draft of
        # it may be discarded.
        "engagement.view_locallens",
        "engagement.change_locallens",
        "engagement.delete_locallens",
        # Routes (issue #25): only their own forces' (forces.selectors.routes_managed_by).
        *_ROUTES,
    ],
}


def role_permissions(names: list[str]) -> list[Permission]:
    """The Permission rows for "app_label.codename" names; a name with no row is a mistake here."""
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query).select_related("content_type"))
    missing = set(names) - {f"{p.content_type.app_label}.{p.codename}" for p in found}
    if missing:
        raise ImproperlyConfigured(f"Roles name permissions that do not exist: {sorted(missing)}")
    return found


def ensure_roles(**kwargs) -> None:
    """Create each role's group and give it exactly the role's permissions (post_migrate)."""
    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(role_permissions(permissions))


def may_start_recompute(user) -> bool:
    """Whether the pages offer this person "Recompute now" (the START_RECOMPUTE permission)."""
    return bool(user.is_authenticated and user.has_perm(START_RECOMPUTE))
