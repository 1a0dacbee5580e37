"""Who may preview, publish and keep a version of the ladder: one place for every door to ask.

Kept to two functions so that the roles (who holds which permission, which force a data manager
looks after) can change without touching the pages that ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from forces.models import Force

DEFINITION_ADMIN_PERMISSION = "engagement.change_engagementdefinition"
LENS_PERMISSION = "engagement.change_locallens"


def force_data_managers_group(force: Force) -> str:
    """The group whose members are a force's data managers (they may keep its local lens)."""
    return f"Force data managers: {force.slug}"


def can_manage_definitions(user: AbstractBaseUser) -> bool:
    """Definition admins: they edit drafts, see their impact preview and publish them.

    Analysts (and everyone else) never see a preview: it is not a published figure.
    """
    return bool(user.is_active and user.has_perm(DEFINITION_ADMIN_PERMISSION))


def can_manage_lens(user: AbstractBaseUser, force: Force) -> bool:
    """A force's local lens: any definition admin, or that force's own data managers."""
    if can_manage_definitions(user):
        return True
    return bool(
        user.is_active
        and user.has_perm(LENS_PERMISSION)
        and user.groups.filter(name=force_data_managers_group(force)).exists()
    )
