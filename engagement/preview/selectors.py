"""Reading an impact preview: the draft's preview run, its figures and the current ones.

A preview snapshot is computed under a draft by the ordinary recompute (a run marked preview),
never served as published figures (engagement.store.selectors.published_snapshots), and read
only here, for the definition admins' preview page. The figures it shows are read from the store
exactly as `export_distributions` reads them: force scope, one period, citizens per rung.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from engagement.definitions.diff import Change, ladder_changes
from engagement.definitions.impact import Counts, Impact, impact_of
from engagement.definitions.selectors import current_definition, definition_problems, ladder_spec
from engagement.ladder.periods import period_name
from engagement.models import (
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    EngagementDefinition,
    PeriodType,
    RecomputeRun,
    Scope,
)
from engagement.store.selectors import current_snapshot, snapshot_periods
from forces.models import Force

Status = RecomputeRun.Status


def draft_for_preview(pk: int) -> EngagementDefinition | None:
    """A draft version (shared, or a force's lens) by id; None when there is no such draft."""
    return (
        EngagementDefinition.every_scope.filter(pk=pk, status=DefinitionStatus.DRAFT)
        .select_related("force")
        .first()
    )


def compared_with(draft: EngagementDefinition) -> EngagementDefinition:
    """What the draft is measured against: the current shared version (for a lens too: a lens is
    read beside the shared ladder)."""
    return current_definition()


@dataclass(frozen=True)
class PreviewStatus:
    """Where the draft's preview stands: computed, on its way, stale, or not asked for yet."""

    run: RecomputeRun | None  # the latest preview run of the draft
    snapshot: DistributionSnapshot | None  # the finished preview, if any
    fingerprint: str  # the draft's ladder now

    @property
    def in_progress(self) -> bool:
        return self.run is not None and self.run.status in {Status.QUEUED, Status.RUNNING}

    @property
    def stale(self) -> bool:
        """The draft changed since the preview was computed."""
        return (
            self.snapshot is not None
            and self.snapshot.run.covered.get("ladder") != self.fingerprint
        )

    @property
    def forces_done(self) -> int:
        return len(self.run.covered.get("done", [])) if self.run and self.run.covered else 0

    @property
    def forces_total(self) -> int:
        return len(self.run.covered.get("forces", {})) if self.run and self.run.covered else 0

    @property
    def problem(self) -> str:
        """Why the latest run gave no preview (failed, skipped, abandoned); empty otherwise."""
        if self.run is None or self.run.status not in {
            Status.FAILED,
            Status.SKIPPED,
            Status.ABANDONED,
        }:
            return ""
        return f"{self.run.get_status_display()}: {self.run.error}"

    def as_json(self) -> dict:
        return {
            "status": self.run.status if self.run else "none",
            "in_progress": self.in_progress,
            "done": self.forces_done,
            "total": self.forces_total,
            "ready": self.snapshot is not None,
            "stale": self.stale,
            "snapshot": self.snapshot.pk if self.snapshot else None,
        }


def preview_status(draft: EngagementDefinition) -> PreviewStatus:
    run = (
        RecomputeRun.objects.filter(definition=draft, preview=True)
        .order_by("-queued_at", "-pk")
        .first()
    )
    snapshot = (
        DistributionSnapshot.objects.filter(definition=draft, is_current=True, is_preview=True)
        .select_related("run")
        .first()
    )
    return PreviewStatus(run=run, snapshot=snapshot, fingerprint=ladder_spec(draft).fingerprint())


def definition_changes(draft: EngagementDefinition) -> list[Change]:
    return ladder_changes(ladder_spec(compared_with(draft)), ladder_spec(draft))


def publish_problems(draft: EngagementDefinition) -> list[str]:
    return definition_problems(draft)


def rung_names(draft: EngagementDefinition, positions) -> list[tuple[int, str]]:
    """(position, the draft's name) of the given rungs, top rung first."""
    names = dict(draft.rungs.values_list("position", "name"))
    return [(position, names.get(position, "")) for position in sorted(positions, reverse=True)]


def choose_period(snapshot: DistributionSnapshot, period_type: str, period: str):
    """(period type, period, periods on offer) from the reader's choice, the latest by default."""
    if period_type not in PeriodType.values:
        period_type = PeriodType.MONTH
    periods = snapshot_periods(snapshot, period_type)
    if period not in periods:
        period = periods[-1] if periods else ""
    return period_type, period, periods


def _force_counts(snapshot: DistributionSnapshot | None, period_type: str, period: str, forces):
    """{force id: {rung: citizens}} at force scope for one period (one query)."""
    counts: dict[int, Counts] = defaultdict(dict)
    if snapshot is None:
        return counts
    for force_id, position, citizens in Distribution.objects.filter(
        snapshot=snapshot,
        period_type=period_type,
        period=period,
        scope=Scope.FORCE,
        force__in=forces,
    ).values_list("force_id", "rung_position", "citizens"):
        counts[force_id][position] = citizens
    return counts


def impact_figures(
    draft: EngagementDefinition, snapshot: DistributionSnapshot, *, period_type: str, period: str
) -> Impact:
    """Every force (a lens: its own force) under the current version and under the draft."""
    forces = Force.objects.order_by("name")
    if draft.is_lens:
        forces = forces.filter(pk=draft.force_id)
    forces = list(forces.only("pk", "slug", "name"))
    before = _force_counts(current_snapshot(compared_with(draft)), period_type, period, forces)
    after = _force_counts(snapshot, period_type, period, forces)
    return impact_of(
        [(force.slug, force.name, before[force.pk], after[force.pk]) for force in forces]
    )


@dataclass(frozen=True)
class PublishSummary:
    """What publishing a draft would move, from its impact preview, for the confirmation."""

    status: PreviewStatus
    period_name: str = ""  # the period the movers are read in, as people say it
    movers: tuple = ()  # AreaImpact: the forces whose share at conversation or above moves most
    forces: int = 0  # forces compared


def publish_summary(draft: EngagementDefinition, *, limit: int = 5) -> PublishSummary:
    """The forces whose share at conversation or above moves most, in the preview's latest
    month; just the preview's state when there is no preview to read."""
    status = preview_status(draft)
    if status.snapshot is None:
        return PublishSummary(status=status)
    period_type, period, _ = choose_period(status.snapshot, PeriodType.MONTH, "")
    if not period:
        return PublishSummary(status=status)
    impact = impact_figures(draft, status.snapshot, period_type=period_type, period=period)
    return PublishSummary(
        status=status,
        period_name=period_name(period_type, period),
        movers=tuple(impact.conversation_movers(limit)),
        forces=len(impact.forces),
    )


def latest_run_of(definition: EngagementDefinition) -> RecomputeRun | None:
    """The latest run under a version (the one publishing it queued)."""
    return RecomputeRun.objects.filter(definition=definition).order_by("-queued_at", "-pk").first()
