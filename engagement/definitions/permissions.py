"""Who may preview, publish and keep a version of the ladder: one place for every door to ask.

Kept to two functions so that the roles (who holds which permission, which force a data manager
looks after) can change without touching the pages that ask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from forces.selectors import forces_managed_by

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from forces.models import Force

DEFINITION_ADMIN_PERMISSION = "engagement.change_engagementdefinition"
LENS_PERMISSION = "engagement.change_locallens"


def can_manage_definitions(user: AbstractBaseUser) -> bool:
    """Definition admins: they edit drafts, see their impact preview and publish them.

    Analysts (and everyone else) never see a preview: it is not a published figure.
    """
    return bool(user.is_active and user.has_perm(DEFINITION_ADMIN_PERMISSION))


def can_manage_lens(user: AbstractBaseUser, force: Force) -> bool:
    """A force's local lens: any definition admin, or that force's own data managers."""
    if can_manage_definitions(user):
        return True
    managed = forces_managed_by(user)
    return bool(
        user.is_active
        and user.has_perm(LENS_PERMISSION)
        and (managed is None or force.slug in managed)
    )
