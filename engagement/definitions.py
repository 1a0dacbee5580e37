"""Writing the shared definition: drafts, validation and publishing.

A published version is never edited: published figures must stay reproducible. Changing the
definition means a new draft copied from the current one; publishing it retires the old version
in the same transaction, so exactly one version is current at any moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from engagement.models import DefinitionStatus, EngagementDefinition, InteractionKind, Rung

RUNG_POSITIONS = tuple(range(7))


class DefinitionInvalid(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class KindRule:
    """How one interaction kind counts under a definition version."""

    slug: str
    rung_position: int | None
    lasting: bool
    ended_by: str


def current_definition() -> EngagementDefinition:
    return EngagementDefinition.objects.get(status=DefinitionStatus.PUBLISHED)


def definition_problems(definition: EngagementDefinition) -> list[str]:
    """Everything that stops a draft from being published, in words an admin can act on."""
    rungs = list(definition.rungs.order_by("position").values_list("position", "slug"))
    return ladder_problems(rungs=rungs, kinds=list(kind_rules_of(definition)))


def ladder_problems(*, rungs: list[tuple[int, str]], kinds: list[KindRule]) -> list[str]:
    """The rules a ladder must keep, on plain data so any source (admin, JSON) can be checked."""
    problems: list[str] = []
    positions = [position for position, _ in rungs]
    if sorted(positions) != list(RUNG_POSITIONS):
        problems.append(
            "Rungs must be exactly positions 0 to 6, one each, in order; this draft has "
            f"{', '.join(map(str, sorted(positions))) or 'none'}."
        )
    problems += [f"Two rungs share the slug '{slug}'." for slug in _repeated(s for _, s in rungs)]
    kind_slugs = [kind.slug for kind in kinds]
    problems += [f"Two kinds share the slug '{slug}'." for slug in _repeated(kind_slugs)]
    ending_kinds = {kind.ended_by for kind in kinds if kind.lasting and kind.ended_by}
    for kind in sorted(kinds, key=lambda k: k.slug):
        if kind.lasting and not kind.ended_by:
            problems.append(f"Kind '{kind.slug}' is lasting but names no kind that ends it.")
        if kind.ended_by and kind.ended_by not in kind_slugs:
            problems.append(
                f"Kind '{kind.slug}' is ended by '{kind.ended_by}', which is not a kind "
                "of this definition."
            )
        if kind.ended_by and not kind.lasting:
            problems.append(f"Kind '{kind.slug}' names an ending kind but is not lasting.")
        if kind.rung_position is None and kind.slug not in ending_kinds:
            problems.append(
                f"Kind '{kind.slug}' reaches no rung but is not the ending kind of a lasting kind."
            )
        if kind.rung_position == 0:
            problems.append(f"Kind '{kind.slug}' is mapped to rung 0 (none), which counts nobody.")
    if not kinds:
        problems.append("The definition has no interaction kinds.")
    return problems


def _repeated(values) -> list[str]:
    values = list(values)
    return sorted({value for value in values if values.count(value) > 1})


@transaction.atomic
def create_draft(
    *, based_on: EngagementDefinition | None = None, user: AbstractBaseUser | None = None
) -> EngagementDefinition:
    """A new draft version, a full copy of `based_on` (by default the current definition)."""
    source = based_on or current_definition()
    next_version = (EngagementDefinition.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    draft = EngagementDefinition.objects.create(
        version=next_version,
        name=source.name,
        status=DefinitionStatus.DRAFT,
        based_on=source,
        created_by=user if user and user.is_authenticated else None,
        notes="",
    )
    rung_for: dict[int, Rung] = {}
    for rung in source.rungs.order_by("position"):
        rung_for[rung.pk] = Rung.objects.create(
            definition=draft,
            position=rung.position,
            slug=rung.slug,
            name=rung.name,
            description=rung.description,
        )
    for kind in source.kinds.all():
        InteractionKind.objects.create(
            definition=draft,
            slug=kind.slug,
            rung=rung_for.get(kind.rung_id),
            lasting=kind.lasting,
            ended_by=kind.ended_by,
            description=kind.description,
        )
    return draft


@transaction.atomic
def publish_definition(
    *, definition: EngagementDefinition, user: AbstractBaseUser | None = None
) -> EngagementDefinition:
    """Make a valid draft the current definition, retire the one it replaces, and queue a full
    recompute under it (sent once this transaction commits), so that its figures appear now
    rather than after the nightly run. Until that run finishes the new version has no figures:
    a preview computed under the draft is never served (see selectors.published_snapshots).
    """
    from engagement.recompute import request_recompute  # recompute imports this module

    definition = EngagementDefinition.objects.select_for_update().get(pk=definition.pk)
    if not definition.is_draft:
        raise DefinitionInvalid(
            [f"Version {definition.version} is {definition.status}: only a draft can be published."]
        )
    problems = definition_problems(definition)
    if problems:
        raise DefinitionInvalid(problems)
    EngagementDefinition.objects.select_for_update().filter(
        status=DefinitionStatus.PUBLISHED
    ).update(status=DefinitionStatus.RETIRED)
    definition.status = DefinitionStatus.PUBLISHED
    definition.published_at = timezone.now()
    definition.published_by = user if user and user.is_authenticated else None
    definition.save(update_fields=["status", "published_at", "published_by"])
    request_recompute(definition=definition, full=True, user=user)
    return definition


def kind_rules_of(definition: EngagementDefinition) -> list[KindRule]:
    """How every kind this version knows counts."""
    return [
        KindRule(
            slug=kind.slug,
            rung_position=kind.rung.position if kind.rung else None,
            lasting=kind.lasting,
            ended_by=kind.ended_by,
        )
        for kind in definition.kinds.select_related("rung")
    ]


def load_definition(
    data: dict[str, Any],
    *,
    rung_model=Rung,
    kind_model=InteractionKind,
    definition_model=EngagementDefinition,
) -> EngagementDefinition:
    """Create a published definition from the JSON layout of data/default-definition.json.

    The model classes are parameters so the data migration can pass its historical models.
    """
    definition = definition_model.objects.create(
        version=data["version"],
        name=data["name"],
        status=DefinitionStatus.DRAFT,
        notes=data.get("notes", "The first shared definition, from the original post."),
    )
    rungs = {
        rung["slug"]: rung_model.objects.create(
            definition=definition,
            position=rung["position"],
            slug=rung["slug"],
            name=rung["name"],
            description=rung.get("description", ""),
        )
        for rung in data["rungs"]
    }
    for kind in data["kinds"]:
        kind_model.objects.create(
            definition=definition,
            slug=kind["slug"],
            rung=rungs[kind["rung"]] if kind.get("rung") else None,
            lasting=bool(kind.get("lasting", False)),
            ended_by=kind.get("ended_by") or "",
            description=kind.get("description", ""),
        )
    definition.status = DefinitionStatus.PUBLISHED
    definition.published_at = timezone.now()
    definition.save(update_fields=["status", "published_at"])
    return definition
