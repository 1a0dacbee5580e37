"""Reading the shared definition: which version is current, and how its kinds count."""

from __future__ import annotations

from engagement.definitions.diff import LadderSpec, RungSpec
from engagement.definitions.rules import KindRule, ladder_problems
from engagement.models import DefinitionStatus, EngagementDefinition


def current_definition() -> EngagementDefinition:
    return EngagementDefinition.objects.get(status=DefinitionStatus.PUBLISHED)


def definition_problems(definition: EngagementDefinition) -> list[str]:
    """Everything that stops a draft from being published, in words an admin can act on."""
    rungs = list(definition.rungs.order_by("position").values_list("position", "slug"))
    return ladder_problems(rungs=rungs, kinds=list(kind_rules_of(definition)))


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


def ladder_spec(definition: EngagementDefinition) -> LadderSpec:
    """A version's rungs and kinds as plain data (for comparing versions and fingerprints)."""
    rungs = definition.rungs.order_by("position").values_list("position", "slug", "name")
    return LadderSpec(
        rungs=tuple(RungSpec(*rung) for rung in rungs),
        kinds=tuple(sorted(kind_rules_of(definition), key=lambda kind: kind.slug)),
    )
