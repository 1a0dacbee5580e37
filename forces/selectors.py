"""Reading forces and channels."""

from itertools import groupby

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import Http404

from forces.models import Channel, Force, ForceMembership


def forces_by_region() -> list[tuple[str, list[Force]]]:
    """All forces grouped by region, regions in alphabetical order (one query)."""
    forces = Force.objects.order_by("region", "name")
    return [(region, list(group)) for region, group in groupby(forces, key=lambda f: f.region)]


def force_by_slug(slug: str) -> Force:
    """One force, or a 404 saying that no force has this slug."""
    force = Force.objects.filter(slug=slug).first()
    if force is None:
        raise Http404(f"There is no force “{slug}”.")
    return force


def forces_by_slug(slugs: list[str]) -> dict[str, Force]:
    """The forces among `slugs` that exist, by slug (one query)."""
    return {force.slug: force for force in Force.objects.filter(slug__in=slugs)}


def force_choices() -> list[tuple[str, str, str]]:
    """(slug, name, region) of every force, by name: the choices of a force picker."""
    return list(Force.objects.order_by("name").values_list("slug", "name", "region"))


def channel_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """(force name, [(channel slug, "name (slug)")]) for a channel picker grouped by force, forces
    and channels by name (one query). A slug is unique within its force only: the picker's
    choice is narrowed to one force by choosing that force too."""
    channels = Channel.objects.select_related("force").order_by("force__name", "name", "slug")
    return [
        (force, [(channel.slug, f"{channel.name} ({channel.slug})") for channel in group])
        for force, group in groupby(channels, key=lambda channel: channel.force.name)
    ]


def forces_managed_by(user: AbstractBaseUser | AnonymousUser) -> frozenset[str] | None:
    """The slugs of the forces whose data `user` may change; None means every force.

    A superuser manages every force; anyone else only those they are attached to.
    """
    if user.is_superuser:
        return None
    if not user.is_authenticated:
        return frozenset()
    return frozenset(
        ForceMembership.objects.filter(user=user).values_list("force__slug", flat=True)
    )


# Definition admins keep every force's routes (engagement.roles gives them this permission).
CHANGE_EVERY_ROUTE = "forces.change_every_route"


def routes_managed_by(user: AbstractBaseUser | AnonymousUser) -> frozenset[str] | None:
    """The slugs of the forces whose routes `user` may change; None means every force.

    Whoever holds CHANGE_EVERY_ROUTE (a definition admin, a superuser) keeps every force's
    routes; a force data manager only those of the forces they manage.
    """
    if user.is_authenticated and user.has_perm(CHANGE_EVERY_ROUTE):
        return None
    return forces_managed_by(user)
