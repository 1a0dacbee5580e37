"""Page-shaped reads of the distribution store, a constant few queries each.

The pages read only the current snapshot of a definition version (its Distribution rows and its
definition's rung names), the forces and channels, and the recompute runs: never the raw
interactions. Sums run in SQL; what comes back is at most one row per force (or channel) and rung.

The figures of a snapshot never change once it is published, so every read here is cached under
the snapshot's identity and the page's parameters: a new publication makes a new snapshot, new
keys, and the old entries simply expire.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.http import Http404

from dashboard.ladders import RungInfo
from engagement.ladder.periods import DataDays, parse_period
from engagement.models import (
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    EngagementDefinition,
    InteractionKind,
    LinkedCitizen,
    LocalLens,
    RecomputeRun,
    Rung,
    Scope,
    Transition,
)
from engagement.store import routes as store_routes
from engagement.store import selectors as store_selectors
from engagement.store.similarity import SimilarForces, similar_forces_in
from forces.models import Channel, Force, Route

CACHE_SECONDS = 7 * 24 * 3600
T = TypeVar("T")
Counts = dict[int, int | None]


# --- What every page shows: the snapshots on offer and the last recompute ------------------------


def current_snapshots() -> list[DistributionSnapshot]:
    """The current published snapshot of each definition version, newest version first."""
    return list(
        DistributionSnapshot.objects.filter(
            is_current=True, is_preview=False, definition__force__isnull=True
        )
        .select_related("definition")
        .order_by("-definition__version")
    )


def latest_run() -> RecomputeRun | None:
    """The latest run of the shared figures (previews and local lenses are not the site's).

    Every page's status line reads it: without the run's plan (`covered`, a mark per stale
    month) and its error text, which the line never shows and which cost more than the rest of
    the row to fetch and decode."""
    return (
        RecomputeRun.objects.filter(preview=False, definition__force__isnull=True)
        .select_related("definition")
        .defer("covered", "error", "definition__notes")
        .order_by("-queued_at", "-pk")
        .first()
    )


def default_snapshot(snapshots: list[DistributionSnapshot]) -> DistributionSnapshot | None:
    """The published definition's snapshot, else the newest version that has figures."""
    for snapshot in snapshots:
        if snapshot.definition.status == DefinitionStatus.PUBLISHED:
            return snapshot
    return snapshots[0] if snapshots else None


def cached(snapshot: DistributionSnapshot, name: str, *params: Any, compute: Callable[[], T]) -> T:
    """`compute()`, kept until the snapshot is replaced (its id and creation time are the key)."""
    identity = f"{snapshot.pk}:{snapshot.created_at.timestamp()}:{name}:{params!r}"
    key = "dashboard:" + hashlib.sha256(identity.encode()).hexdigest()
    return cache.get_or_set(key, compute, CACHE_SECONDS)


# --- Reads shared by the pages --------------------------------------------------------------------


def snapshot_periods(snapshot: DistributionSnapshot, period_type: str) -> list[str]:
    """The periods of a type that the snapshot holds, oldest first."""

    def compute() -> list[str]:
        return store_selectors.snapshot_periods(snapshot, period_type)

    return cached(snapshot, "periods", period_type, compute=compute)


def data_days(snapshot: DistributionSnapshot) -> DataDays | None:
    """The London days the snapshot's data run over, for marking partial periods."""
    return cached(snapshot, "days", compute=lambda: store_selectors.data_days(snapshot))


def snapshot_rungs(snapshot: DistributionSnapshot) -> dict[int, RungInfo]:
    """The rung names of the definition the snapshot was computed under."""

    def compute() -> dict[int, RungInfo]:
        return {
            rung["position"]: RungInfo(**rung)
            for rung in Rung.objects.filter(definition_id=snapshot.definition_id)
            .order_by("position")
            .values("position", "name", "slug", "description")
        }

    return cached(snapshot, "rungs", compute=compute)


def _counts_by(rows, key: str) -> dict[Any, Counts]:
    """{key value: {rung position: citizens}} from rows summed in SQL."""
    result: dict[Any, Counts] = defaultdict(dict)
    for row in rows:
        result[row[key]][row["rung_position"]] = row["citizens"]
    return dict(result)


def _summed(rows, *keys: str):
    return rows.values(*keys, "rung_position").annotate(citizens=Sum("citizens")).order_by()


def _of_scope(rows, platform: str):
    """A force's own rows: force scope, or with a platform its platform-scope rows (each citizen
    once over the force's channels on that platform)."""
    if platform:
        return rows.filter(scope=Scope.PLATFORM, platform=platform)
    return rows.filter(scope=Scope.FORCE)


def region_names(snapshot: DistributionSnapshot) -> list[str]:
    """Every force region, in alphabetical order (cached with the snapshot's figures)."""

    def compute() -> list[str]:
        return list(Force.objects.order_by("region").values_list("region", flat=True).distinct())

    return cached(snapshot, "regions", compute=compute)


def population_census(snapshot: DistributionSnapshot) -> str:
    """Where the populations behind rung 0 come from, in words ("the 2011 Census"): the years
    the forces' populations are from (cached with the snapshot's figures)."""

    def compute() -> str:
        years = sorted(
            set(
                Force.objects.filter(population_year__isnull=False).values_list(
                    "population_year", flat=True
                )
            )
        )
        if not years:
            return ""
        return "the " + " and ".join(str(year) for year in years) + " Census"

    return cached(snapshot, "census", compute=compute)


# --- Overview -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForceFigures:
    pk: int
    slug: str
    name: str
    region: str
    population: int | None
    counts: Counts


def overview_figures(
    snapshot: DistributionSnapshot, *, period_type: str, periods: tuple[str, ...], platform: str
) -> dict[str, list[ForceFigures]]:
    """Every force with its counts per rung, for each of a few periods (the one shown and those
    it is compared with): two queries, cached.

    With a platform, a force's counts are its platform-scope rows: each citizen once, at the
    highest rung reached on any of the force's channels on that platform. Rung 0 is unknown there
    (it exists at force scope only).
    """

    def compute() -> dict[str, list[ForceFigures]]:
        rows = _of_scope(
            Distribution.objects.filter(
                snapshot=snapshot, period_type=period_type, period__in=periods
            ),
            platform,
        )
        counts: dict[str, dict[int, Counts]] = {period: defaultdict(dict) for period in periods}
        for row in rows.values("period", "force_id", "rung_position", "citizens"):
            counts[row["period"]][row["force_id"]][row["rung_position"]] = row["citizens"]
        forces = list(
            Force.objects.order_by("name").values("pk", "slug", "name", "region", "population")
        )
        return {
            period: [ForceFigures(counts=counts[period].get(f["pk"], {}), **f) for f in forces]
            for period in periods
        }

    return cached(snapshot, "overview", period_type, periods, platform, compute=compute)


# --- Force page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelFigures:
    slug: str
    name: str
    platform: str
    platform_label: str
    active: bool
    counts: Counts


@dataclass(frozen=True)
class LinkedPeople:
    """A force's linked identities now: `identifiers` linked (with consent) to at least one
    other, counted as `people`."""

    identifiers: int
    people: int


@dataclass(frozen=True)
class ForcePageFigures:
    trend: list[tuple[str, Counts]]  # every period of the type, oldest first
    channels: list[ChannelFigures]
    national: Counts
    regional: Counts
    channels_reaching: dict[int, int]  # rung position -> channels that ever counted anyone there
    linked: LinkedPeople  # the force's linked identities (kept with the snapshot's figures)


def force_page_figures(
    snapshot: DistributionSnapshot,
    force: Force,
    *,
    period_type: str,
    period: str,
    platform: str = "",
) -> ForcePageFigures:
    """Everything the force page draws, in four queries (cached). With a platform, the force's
    figures on that platform, its channels on it, and the region and nation on it."""

    def compute() -> ForcePageFigures:
        of_force = Distribution.objects.filter(snapshot=snapshot, force=force)
        trend: dict[str, Counts] = defaultdict(dict)
        for label, position, citizens in (
            _of_scope(of_force.filter(period_type=period_type), platform)
            .order_by("period_start", "rung_position")
            .values_list("period", "rung_position", "citizens")
        ):
            trend[label][position] = citizens
        by_channel = _counts_by(
            _summed(
                of_force.filter(period_type=period_type, period=period, scope=Scope.CHANNEL),
                "channel_id",
            ),
            "channel_id",
        )
        channels = [
            ChannelFigures(
                slug=channel.slug,
                name=channel.name,
                platform=channel.platform,
                platform_label=channel.get_platform_display(),
                active=channel.active,
                counts=by_channel.get(channel.pk, {}),
            )
            for channel in Channel.objects.filter(
                force=force, **({"platform": platform} if platform else {})
            ).order_by("platform", "name")
        ]
        references = (
            _of_scope(
                Distribution.objects.filter(
                    snapshot=snapshot, period_type=period_type, period=period
                ),
                platform,
            )
            .values("rung_position")
            .annotate(
                national=Sum("citizens"),
                regional=Sum("citizens", filter=Q(force__region=force.region)),
            )
            .order_by()
        )
        national = {row["rung_position"]: row["national"] for row in references}
        regional = {row["rung_position"]: row["regional"] for row in references}
        reaching = dict(
            of_force.filter(scope=Scope.CHANNEL, citizens__gt=0)
            .values("rung_position")
            .annotate(channels=Count("channel", distinct=True))
            .order_by()
            .values_list("rung_position", "channels")
        )
        return ForcePageFigures(
            trend=list(trend.items()),
            channels=channels,
            national=national,
            regional=regional,
            channels_reaching=reaching,
            linked=_linked_people(force),
        )

    return cached(snapshot, "force", force.pk, period_type, period, platform, compute=compute)


# --- Compare --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareFigures:
    trends: dict[int, list[tuple[str, Counts]]]  # force pk -> every period, oldest first
    national: list[tuple[str, Counts]]  # England and Wales, every period, oldest first


def compare_figures(
    snapshot: DistributionSnapshot,
    forces: list[Force],
    *,
    period_type: str,
    platform: str = "",
) -> CompareFigures:
    """Two to six forces and the nation over every period of a type (two queries, cached)."""
    force_ids = sorted(force.pk for force in forces)

    def compute() -> CompareFigures:
        of_type = _of_scope(
            Distribution.objects.filter(snapshot=snapshot, period_type=period_type), platform
        )
        trends: dict[int, dict[str, Counts]] = {pk: defaultdict(dict) for pk in force_ids}
        for force_id, label, position, citizens in (
            of_type.filter(force_id__in=force_ids)
            .order_by("period_start", "rung_position")
            .values_list("force_id", "period", "rung_position", "citizens")
        ):
            trends[force_id][label][position] = citizens
        national: dict[str, Counts] = defaultdict(dict)
        for label, position, citizens in (
            of_type.values("period_start", "period", "rung_position")
            .annotate(citizens=Sum("citizens"))
            .order_by("period_start", "rung_position")
            .values_list("period", "rung_position", "citizens")
        ):
            national[label][position] = citizens
        return CompareFigures(
            trends={pk: list(periods.items()) for pk, periods in trends.items()},
            national=list(national.items()),
        )

    return cached(snapshot, "compare", tuple(force_ids), period_type, platform, compute=compute)


# --- Channel page ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelPageFigures:
    slug: str
    name: str
    platform: str
    platform_label: str
    team: str
    active: bool
    trend: list[tuple[str, Counts]]  # every period of the type, oldest first


def channel_page_figures(
    snapshot: DistributionSnapshot, force: Force, slug: str, *, period_type: str
) -> ChannelPageFigures | None:
    """One channel of a force and its figures over every period of a type (two queries, cached);
    None when the force has no such channel."""

    def compute() -> ChannelPageFigures | None:
        channel = Channel.objects.filter(force=force, slug=slug).first()
        if channel is None:
            return None
        trend: dict[str, Counts] = defaultdict(dict)
        for label, position, citizens in (
            Distribution.objects.filter(
                snapshot=snapshot, period_type=period_type, scope=Scope.CHANNEL, channel=channel
            )
            .order_by("period_start", "rung_position")
            .values_list("period", "rung_position", "citizens")
        ):
            trend[label][position] = citizens
        return ChannelPageFigures(
            slug=channel.slug,
            name=channel.name,
            platform=channel.platform,
            platform_label=channel.get_platform_display(),
            team=channel.team,
            active=channel.active,
            trend=list(trend.items()),
        )

    return cached(snapshot, "channel", force.pk, slug, period_type, compute=compute)


# --- Definition -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefinitionPage:
    definition: EngagementDefinition
    rungs: list[Rung]
    kinds: list[InteractionKind]
    versions: list[EngagementDefinition]


def definition_page(version: int | None) -> DefinitionPage | None:
    """A definition version (the published one by default) and the history of all versions."""
    versions = list(
        EngagementDefinition.objects.select_related("created_by", "published_by").order_by(
            "-version"
        )
    )
    chosen = next(
        (
            d
            for d in versions
            if (
                d.version == version
                if version is not None
                else d.status == DefinitionStatus.PUBLISHED
            )
        ),
        None,
    )
    if chosen is None:
        return None
    return DefinitionPage(
        definition=chosen,
        rungs=list(chosen.rungs.order_by("position")),
        kinds=list(chosen.kinds.select_related("rung").order_by("rung__position", "slug")),
        versions=versions,
    )


# --- Mobility and the forces most alike -----------------------------------------------------------


def pair_moves(
    snapshot: DistributionSnapshot, force: Force, *, period_type: str, to_period: str
) -> dict[tuple[int, int], int]:
    """A force's transition matrix for the pair of periods ending in `to_period`:
    {(rung before, rung after): citizens} (one query, cached)."""

    def compute() -> dict[tuple[int, int], int]:
        rows = Transition.objects.filter(
            snapshot=snapshot, force=force, period_type=period_type, to_period=to_period
        ).values_list("from_rung", "to_rung", "citizens")
        return {(before, after): citizens for before, after, citizens in rows}

    return cached(snapshot, "moves", force.pk, period_type, to_period, compute=compute)


def every_force_moves(
    snapshot: DistributionSnapshot, *, period_type: str, to_period: str
) -> dict[int, dict[tuple[int, int], int]]:
    """Every force's transition matrix for the pair ending in `to_period`, by force pk (one
    query, cached): what small-number protection needs to decide each force's "moved up"."""

    def compute() -> dict[int, dict[tuple[int, int], int]]:
        matrices: dict[int, dict[tuple[int, int], int]] = defaultdict(dict)
        for force_id, before, after, citizens in Transition.objects.filter(
            snapshot=snapshot, period_type=period_type, to_period=to_period
        ).values_list("force_id", "from_rung", "to_rung", "citizens"):
            matrices[force_id][(before, after)] = citizens
        return dict(matrices)

    return cached(snapshot, "every-force-moves", period_type, to_period, compute=compute)


@dataclass(frozen=True)
class MovedUp:
    region: str
    engaged_before: int  # citizens engaged in the earlier period: the denominator
    moved_up: int  # of those, the citizens on a higher rung in the next


def moved_up_by_force(
    snapshot: DistributionSnapshot, *, period_type: str, to_period: str
) -> dict[int, MovedUp]:
    """Every force's "moved up" figures for the pair ending in `to_period` (one query, cached);
    see engagement.ladder.mobility for the definition."""

    def compute() -> dict[int, MovedUp]:
        rows = (
            Transition.objects.filter(
                snapshot=snapshot, period_type=period_type, to_period=to_period, from_rung__gt=0
            )
            .values("force_id", "force__region")
            .annotate(
                engaged_before=Sum("citizens"),
                moved_up=Sum("citizens", filter=Q(to_rung__gt=F("from_rung")), default=0),
            )
            .order_by()
        )
        return {
            row["force_id"]: MovedUp(row["force__region"], row["engaged_before"], row["moved_up"])
            for row in rows
        }

    return cached(snapshot, "moved-up", period_type, to_period, compute=compute)


def similar_forces(
    snapshot: DistributionSnapshot, *, period_type: str, period: str, threshold: int
) -> SimilarForces:
    """Every force's five nearest in ladder shape in the period, protected for the reader's
    threshold (two queries, cached)."""
    return cached(
        snapshot,
        "similar",
        period_type,
        period,
        threshold,
        compute=lambda: similar_forces_in(
            snapshot, period_type=period_type, period=period, threshold=threshold
        ),
    )


# --- A force's local lens -------------------------------------------------------------------------


@dataclass(frozen=True)
class LensFigures:
    """A force's published local lens and its figures for one period (force scope)."""

    lens: LocalLens
    snapshot: DistributionSnapshot | None
    rungs: dict[int, RungInfo]
    counts: Counts


def force_with_lens(slug: str) -> Force:
    """A force page's force, with `lens_id`, its published local lens (None when it keeps none),
    in the one query that reads the force; 404 for a slug nobody has."""
    published = LocalLens.objects.filter(force=OuterRef("pk"), status=DefinitionStatus.PUBLISHED)
    figures = DistributionSnapshot.objects.filter(
        definition__force=OuterRef("pk"),
        definition__status=DefinitionStatus.PUBLISHED,
        is_current=True,
        is_preview=False,
    )
    force = (
        Force.objects.annotate(
            lens_id=Subquery(published.values("pk")[:1]),
            lens_snapshot_id=Subquery(figures.values("pk")[:1]),
            lens_snapshot_at=Subquery(figures.values("created_at")[:1]),
        )
        .filter(slug=slug)
        .first()
    )
    if force is None:
        raise Http404(f"There is no force “{slug}”.")
    return force


def lens_identity(force: Force) -> tuple[int | None, int | None, float | None]:
    """What a force page's lens figures depend on (from `force_with_lens`, without a query):
    its published lens and that lens's current snapshot, for the page's cache key."""
    at = getattr(force, "lens_snapshot_at", None)
    return (
        getattr(force, "lens_id", None),
        getattr(force, "lens_snapshot_id", None),
        at.timestamp() if at is not None else None,
    )


def lens_figures(force: Force, *, period_type: str, period: str) -> LensFigures | None:
    """The force's published lens with its figures (from `force_with_lens`), or None when it
    keeps none (then without a query).

    Lens figures live in the lens's own snapshot, which no shared reader ever reads.
    """
    if getattr(force, "lens_id", None) is None:
        return None
    lens = LocalLens.objects.get(pk=force.lens_id)
    snapshot = (
        DistributionSnapshot.objects.filter(definition=lens, is_current=True, is_preview=False)
        .select_related("definition")
        .first()
    )
    if snapshot is None:
        return LensFigures(lens=lens, snapshot=None, rungs={}, counts={})

    def compute() -> Counts:
        return dict(
            Distribution.objects.filter(
                snapshot=snapshot,
                force=force,
                period_type=period_type,
                period=period,
                scope=Scope.FORCE,
            ).values_list("rung_position", "citizens")
        )

    counts = cached(snapshot, "lens", force.pk, period_type, period, compute=compute)
    return LensFigures(lens=lens, snapshot=snapshot, rungs=snapshot_rungs(snapshot), counts=counts)


def _linked_people(force: Force) -> LinkedPeople:
    """How many identifiers the force's links join, into how many people (one query)."""
    held = LinkedCitizen.objects.filter(force=force).aggregate(
        identifiers=Count("citizen_id"), people=Count("person", distinct=True)
    )
    return LinkedPeople(identifiers=held["identifiers"], people=held["people"])


# --- Routes: the ways in each force offers to each rung -------------------------------------------


def routes_version() -> str:
    """What the routes are now, as a short fingerprint (one query over the few routes held): the
    page cache's key for the pages that show routes, which change when routes are imported or
    edited, not only when figures are published."""
    rows = Route.objects.order_by("pk").values_list()
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:16]


def routes_in(
    snapshot: DistributionSnapshot,
    *,
    period_type: str,
    periods: tuple[str, ...],
    threshold: int,
    forces: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Every route (of `forces`, or all) in each period, open or not, with its use protected
    for the reader (engagement.store.routes). Two queries, not cached: routes change when they
    are imported, not only when figures are published."""
    return store_routes.routes_of_periods(
        snapshot,
        periods=[parse_period(period_type, label) for label in periods],
        threshold=threshold,
        forces=forces,
    )
