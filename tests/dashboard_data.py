"""Believable figures in the distribution store for the dashboard's tests.

The recompute fills the store in production; here the figures are made directly, as it would write
them: one current snapshot of the published definition, with force-, platform- and channel-scope
rows for every month, quarter, calendar year and financial year from April 2025 to September 2026.
Force scope adds rung 0 from the population (empty where it is unknown); platform and channel scope
leave out rows whose count is 0, as the store may. Each force has one channel per platform, so a
platform's figures are its channel's. Every third force never reaches Volunteer or Co-Designer, and
every fifth never reaches Co-Designer, so "no route" has something to find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import import_module

from django.apps import apps
from django.utils import timezone

from engagement.ladder.periods import month_index, period_of
from engagement.ladder.upkeep import tidy_rollups
from engagement.models import Distribution, DistributionSnapshot, PeriodType, Scope, Transition
from forces.models import Channel, Force, Platform
from tests.factories import RecomputeRunFactory, SnapshotFactory, current_definition

FIRST_MONTH = month_index(2025, 4)
LAST_MONTH = month_index(2026, 9)
# The latest interaction held: September 2026 is complete, the months after it are not held.
HORIZON = datetime(2026, 9, 30, 18, 0, tzinfo=UTC)
# Share of a force's monthly public at each rung (before each force's own spread).
RUNG_WEIGHTS = {1: 0.62, 2: 0.24, 3: 0.07, 4: 0.05, 5: 0.015, 6: 0.005}
CHANNELS = (
    ("twitter-main", Platform.TWITTER, "X account", (1, 2, 4)),
    ("facebook-main", Platform.FACEBOOK, "Facebook page", (1, 2, 3, 4)),
    ("community", Platform.OFFLINE, "Community programmes", (3, 5, 6)),
)


@dataclass(frozen=True)
class DashboardData:
    snapshot: DistributionSnapshot
    forces: list[Force]
    no_volunteers: list[Force]  # never counted anyone at rungs 5 or 6
    no_co_designers: list[Force]  # never counted anyone at rung 6


def ensure_reference_data() -> None:
    """The 43 forces and definition v1, as the migrations load them (both loaders are idempotent).

    A transactional test (live_server) empties every table when it ends, and serialized rollback
    cannot put the migrations' data back from inside Playwright's event loop (the test sees another
    connection object than the one the serialized contents were stored on).
    """
    import_module("forces.migrations.0002_load_forces").load_forces(apps, None)
    import_module("engagement.migrations.0002_default_definition").load_default_definition(
        apps, None
    )


def _ceiling(force_index: int) -> int:
    if force_index % 3 == 0:
        return 4
    if force_index % 5 == 0:
        return 5
    return 6


def make_dashboard_data(*, forces: list[Force] | None = None, seed: int = 43) -> DashboardData:
    """A current snapshot with figures for the given forces (all 43 by default)."""
    rng = random.Random(seed)
    forces = list(forces if forces is not None else Force.objects.order_by("name"))
    run = RecomputeRunFactory(started_at=timezone.now(), finished_at=timezone.now())
    snapshot = SnapshotFactory(
        run=run,
        definition=run.definition,
        published_at=timezone.now(),
        first_month=FIRST_MONTH,
        horizon_month=LAST_MONTH,
        horizon=HORIZON,
    )
    Channel.objects.bulk_create(
        (
            Channel(force=force, slug=slug, platform=platform, name=f"{force.name} {name}")
            for force in forces
            for slug, platform, name, _ in CHANNELS
        ),
        ignore_conflicts=True,
    )
    channels = {
        (channel.force_id, channel.slug): channel
        for channel in Channel.objects.filter(force__in=forces)
    }
    platform_of = {channel.pk: channel.platform for channel in channels.values()}
    rows: list[Distribution] = []
    moves: list[Transition] = []
    for index, force in enumerate(forces):
        ceiling = _ceiling(index)
        reach = (force.population or 800_000) * rng.uniform(0.004, 0.02)
        spread = {p: rng.uniform(0.5, 1.6) for p in RUNG_WEIGHTS}
        for period_type, months in _periods():
            before = None
            for period, length, growth in months:
                by_channel = {
                    channel.pk: {
                        p: round(
                            reach
                            * RUNG_WEIGHTS[p]
                            * spread[p]
                            * growth ** ((p - 1) / 2)
                            * length**0.6
                            * rng.uniform(0.45, 0.55)
                        )
                        if p <= ceiling and p in rungs
                        else 0
                        for p in RUNG_WEIGHTS
                    }
                    for slug, *_, rungs in CHANNELS
                    for channel in [channels[(force.pk, slug)]]
                }
                engaged = {
                    p: round(sum(counts[p] for counts in by_channel.values()) * 0.85)
                    for p in RUNG_WEIGHTS
                }
                none = (
                    max(force.population - sum(engaged.values()), 0)
                    if force.population is not None
                    else None
                )
                common = {
                    "snapshot": snapshot,
                    "period_type": period_type,
                    "period": period.label,
                    "period_start": period.start,
                    "force": force,
                }
                rows.append(
                    Distribution(**common, scope=Scope.FORCE, rung_position=0, citizens=none)
                )
                if before is not None:
                    moves += _moves(common, before, engaged, ceiling)
                before = (period.label, engaged)
                rows += [
                    Distribution(**common, scope=Scope.FORCE, rung_position=p, citizens=n)
                    for p, n in engaged.items()
                ]
                rows += [
                    Distribution(
                        **common, scope=Scope.CHANNEL, channel_id=pk, rung_position=p, citizens=n
                    )
                    for pk, counts in by_channel.items()
                    for p, n in counts.items()
                    if n
                ]
                rows += [
                    Distribution(
                        **common,
                        scope=Scope.PLATFORM,
                        platform=platform_of[pk],
                        rung_position=p,
                        citizens=n,
                    )
                    for pk, counts in by_channel.items()
                    for p, n in counts.items()
                    if n
                ]
    Distribution.objects.bulk_create(rows, batch_size=5000)
    Transition.objects.bulk_create(moves, batch_size=5000)
    tidy_rollups()  # fresh statistics, as after a published run
    return DashboardData(
        snapshot=snapshot,
        forces=forces,
        no_volunteers=[f for i, f in enumerate(forces) if _ceiling(i) == 4],
        no_co_designers=[f for i, f in enumerate(forces) if _ceiling(i) == 5],
    )


def _moves(common: dict, before: tuple[str, dict], after: dict, ceiling: int) -> list[Transition]:
    """Mobility from one period to the next: of each rung, 55% stay, 10% climb one rung (below
    the ceiling), 10% step down one (above Passive), the rest leave; newcomers fill each rung of
    the next period up to its count."""
    label, engaged = before
    cells: dict[tuple[int, int], int] = {}
    for p, n in engaged.items():
        stay, up = round(n * 0.55), round(n * 0.10) if p < ceiling else 0
        down = round(n * 0.10) if p > 1 else 0
        for to, moved in ((p, stay), (p + 1, up), (p - 1, down), (0, n - stay - up - down)):
            cells[(p, to)] = cells.get((p, to), 0) + moved
    for q, n in after.items():
        arrived = sum(moved for (p, to), moved in cells.items() if to == q and p)
        cells[(0, q)] = max(n - arrived, 0)
    return [
        Transition(
            snapshot=common["snapshot"],
            period_type=common["period_type"],
            from_period=label,
            to_period=common["period"],
            force=common["force"],
            from_rung=p,
            to_rung=to,
            citizens=moved,
        )
        for (p, to), moved in cells.items()
        if moved > 0
    ]


def _periods():
    """(period type, [(period, months in range, growth)]) over the range: people move up."""
    for period_type in PeriodType.values:
        seen: dict[str, list[int]] = {}
        for month in range(FIRST_MONTH, LAST_MONTH + 1):
            seen.setdefault(period_of(period_type, month).label, []).append(month)
        yield (
            period_type,
            [
                (period_of(period_type, months[0]), len(months), 1 + (months[0] - FIRST_MONTH) / 30)
                for months in seen.values()
            ],
        )


def store_counts(
    snapshot: DistributionSnapshot, *, period_type: str, period: str, scope: str = Scope.FORCE
) -> dict[tuple[str, int], int | None]:
    """{(force slug, channel slug or "", rung): citizens} straight from the store."""
    rows = Distribution.objects.filter(
        snapshot=snapshot, period_type=period_type, period=period, scope=scope
    ).values_list("force__slug", "channel__slug", "rung_position", "citizens")
    return {
        (force, channel or "", position): citizens for force, channel, position, citizens in rows
    }


__all__ = [
    "DashboardData",
    "current_definition",
    "ensure_reference_data",
    "make_dashboard_data",
    "store_counts",
]
