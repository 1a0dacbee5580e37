"""Writing the shared definition: drafts, validation and publishing.

A published version is never edited: published figures must stay reproducible. Changing the
definition means a new draft copied from the current one; publishing it retires the old version
in the same transaction, so exactly one version is current at any moment.

A force's local lens is written the same way, in its own scope: a draft copied from the current
shared version (or from an earlier version of the lens), published for that force only, retiring
the force's previous lens. Versions are numbered within their scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from engagement.definitions.rules import DefinitionInvalid
from engagement.definitions.selectors import current_definition, definition_problems
from engagement.definitions.signals import definition_published
from engagement.models import (
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    EngagementDefinition,
    InteractionKind,
    LocalLens,
    RecomputeRun,
    Rung,
    Transition,
)
from forces.models import Force


@transaction.atomic
def create_draft(
    *, based_on: EngagementDefinition | None = None, user: AbstractBaseUser | None = None
) -> EngagementDefinition:
    """A new draft version, a full copy of `based_on` (by default the current definition), in
    the scope of `based_on` (a draft of a lens is the lens's next version)."""
    source = based_on or current_definition()
    return _copy_as_draft(source, force=source.force, name=source.name, user=user)


@transaction.atomic
def create_lens(*, force: Force, user: AbstractBaseUser | None = None) -> LocalLens:
    """A draft local lens for a force: a full copy of the current shared definition."""
    draft = _copy_as_draft(
        current_definition(), force=force, name=f"{force.name} local lens", user=user
    )
    return LocalLens.objects.get(pk=draft.pk)


def _copy_as_draft(
    source: EngagementDefinition, *, force: Force | None, name: str, user: AbstractBaseUser | None
) -> EngagementDefinition:
    scope = EngagementDefinition.every_scope.filter(force=force)
    next_version = (scope.aggregate(v=Max("version"))["v"] or 0) + 1
    draft = EngagementDefinition.every_scope.create(
        version=next_version,
        force=force,
        name=name,
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

    A lens is published in its own scope: it retires the force's previous lens, never the shared
    definition.
    """
    definition = EngagementDefinition.every_scope.select_for_update().get(pk=definition.pk)
    if not definition.is_draft:
        raise DefinitionInvalid(
            [f"Version {definition.version} is {definition.status}: only a draft can be published."]
        )
    problems = definition_problems(definition)
    if problems:
        raise DefinitionInvalid(problems)
    author = user if user and user.is_authenticated else None
    # Saved one by one (there is one), not updated in bulk: the retirement is in the history.
    # A lens retires only its own force's previous lens; the shared version only the shared one.
    for previous in EngagementDefinition.every_scope.select_for_update().filter(
        status=DefinitionStatus.PUBLISHED, force=definition.force_id
    ):
        previous.status = DefinitionStatus.RETIRED
        previous._history_user = author
        previous.save(update_fields=["status"])
    definition.status = DefinitionStatus.PUBLISHED
    definition.published_at = timezone.now()
    definition.published_by = author
    definition._history_user = author
    definition.save(update_fields=["status", "published_at", "published_by"])
    definition_published.send(sender=EngagementDefinition, definition=definition, user=user)
    return definition


def discard_problems(definition: EngagementDefinition) -> list[str]:
    """Why a version cannot be discarded, in words; empty when it can.

    Only a draft goes: published and retired versions keep their history (their figures must
    stay reproducible). A draft whose preview is being computed waits for it to end.
    """
    if not definition.is_draft:
        return [
            f"Version {definition.version} is {definition.get_status_display().lower()}: only a "
            "draft can be discarded; published versions keep their history."
        ]
    problems = []
    computing = RecomputeRun.objects.filter(
        definition=definition, status__in=[RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING]
    ).first()
    if computing is not None:
        problems.append(
            f"Its impact preview is being computed (run {computing.pk}): discard the draft "
            "once that run has ended."
        )
    made_from = (
        EngagementDefinition.every_scope.filter(based_on=definition)
        .values_list("version", flat=True)
        .first()
    )
    if made_from is not None:
        problems.append(f"Version {made_from} was made from it: discard that version first.")
    return problems


@transaction.atomic
def discard_draft(
    *, definition: EngagementDefinition, user: AbstractBaseUser | None = None
) -> None:
    """Delete a draft (shared or a lens) with its rungs, kinds and impact preview: the preview
    runs, their snapshots and figures go with it. Raises DefinitionInvalid, deleting nothing,
    when it cannot go (see discard_problems)."""
    definition = EngagementDefinition.every_scope.select_for_update().get(pk=definition.pk)
    problems = discard_problems(definition)
    if problems:
        raise DefinitionInvalid(problems)
    # Set-based: a preview holds every force's figures; deleted in bulk, not row by row.
    Distribution.objects.filter(snapshot__definition=definition).delete()
    Transition.objects.filter(snapshot__definition=definition).delete()
    DistributionSnapshot.objects.filter(definition=definition).delete()
    RecomputeRun.objects.filter(definition=definition).delete()
    definition._history_user = user if user and user.is_authenticated else None
    definition.delete()


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
