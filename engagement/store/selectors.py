"""Reading the published figures: the one query behind the API, the CSV exports, the report page
and the `export_distributions` command.

Every reader goes through `distribution_rows`, so the same filters always give the same figures,
whichever door an analyst comes in by. Defaults, when a filter is not given:

- definition: the current (published) version;
- period_type, scope, forces, region, channel, platform: no restriction (all of them);
- period / period_from / period_to: every period held. `period` names one period; `period_from`
  and `period_to` (both included, either may be left open) name a range of one period type.

Only the current snapshot of the chosen version is read, and never a preview (see
`published_snapshots`), and only the force and channel scopes (READ_SCOPES).

A force's local lens is read only when asked for by name (`lens`: the force's slug, or the lens's
id); its figures are its force's only. Without `lens`, no reader ever sees a lens: the shared
definitions (`EngagementDefinition.objects`) do not include them. `channel` and
`platform` describe channels, so they keep channel-scope rows only. `share` is computed in SQL:
citizens over the total of the row's scope and period (rung 0 included where it is known),
rounded to 6 places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    DecimalField,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Cast, NullIf, Round

from engagement.definitions.selectors import current_definition
from engagement.ladder.periods import Period, parse_period
from engagement.models import (
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    EngagementDefinition,
    LocalLens,
    PeriodType,
    Rung,
    Scope,
)
from engagement.store.suppression import withheld_on_page

# The scopes LADDER.md's layouts know. The store also holds platform-scope rows (each citizen once
# per force and platform) for the dashboard; they have no place in the CSV formats, so readers
# here never serve them.
READ_SCOPES: tuple[str, ...] = (Scope.FORCE, Scope.CHANNEL)
READ_SCOPE_CHOICES: list[tuple[str, str]] = [
    (value, label) for value, label in Scope.choices if value in READ_SCOPES
]

# The columns of a distribution row, in the order of LADDER.md's long layout.
ROW_FIELDS: tuple[str, ...] = (
    "definition_version",
    "period_type",
    "period",
    "scope",
    "force",
    "channel",
    "rung_position",
    "rung",
    "citizens",
    "share",
)


# Where each column's value sits in a row of `distribution_rows` (a model field cannot be
# re-annotated under its own name, so the slugs keep their lookup names).
ROW_SOURCES: dict[str, str] = {"force": "force__slug", "channel": "channel__slug"}


def row_values(row: dict) -> list:
    """A row of `distribution_rows` as a list in ROW_FIELDS order."""
    return [row[ROW_SOURCES.get(name, name)] for name in ROW_FIELDS]


class FiltersInvalid(ValueError):
    """Filters that cannot be applied; `problems` maps each parameter to what is wrong with it."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems.items()))


@dataclass(frozen=True)
class DistributionFilters:
    """What to read. Empty values mean "no restriction"; `definition=None` means current."""

    definition: int | None = None
    period_type: str | None = None
    period: str | None = None
    period_from: str | None = None
    period_to: str | None = None
    scope: str | None = None
    forces: tuple[str, ...] = field(default_factory=tuple)
    region: str | None = None
    channel: str | None = None
    platform: str | None = None
    lens: str | None = None


def visible_definitions() -> QuerySet[EngagementDefinition]:
    """The versions whose figures may be read: published and retired, never drafts."""
    return EngagementDefinition.objects.exclude(status=DefinitionStatus.DRAFT)


def definition_for(version: int | None) -> EngagementDefinition:
    """The definition a filter names, or the current one; FiltersInvalid for an unknown version."""
    if version is None:
        return current_definition()
    try:
        return visible_definitions().get(version=version)
    except EngagementDefinition.DoesNotExist:
        raise FiltersInvalid(
            {"definition": f"There is no published or retired definition version {version}."}
        ) from None


def lens_for(name: str, version: int | None = None) -> EngagementDefinition:
    """A local lens named by its force's slug (its published version, or that `version` of it)
    or by its id; FiltersInvalid when there is no such lens with figures to read."""
    lenses = LocalLens.objects.exclude(status=DefinitionStatus.DRAFT)
    if name.isdigit():
        lenses = lenses.filter(pk=int(name))
    else:
        lenses = lenses.filter(force__slug=name)
        if version is None:
            lenses = lenses.filter(status=DefinitionStatus.PUBLISHED)
    if version is not None:
        lenses = lenses.filter(version=version)
    lens = lenses.select_related("force").first()
    if lens is None:
        which = f"version {version} of " if version is not None else ""
        raise FiltersInvalid(
            {"lens": f"There is no published or retired {which}local lens {name!r}."}
        )
    return lens


def figures_definition(filters: DistributionFilters) -> EngagementDefinition:
    """The version whose figures the filters read: a lens when named, else a shared version."""
    if filters.lens:
        return lens_for(filters.lens, filters.definition)
    return definition_for(filters.definition)


def published_snapshots(definition: EngagementDefinition) -> QuerySet[DistributionSnapshot]:
    """The snapshot whose figures readers may serve for a version (at most one).

    A recompute under a draft leaves a preview snapshot current for that version, and it stays
    so when the draft is published, until the recompute that publishing queues replaces it. The
    draft may have been edited after the preview was computed, so a preview is never served as
    published figures; previews are seen in the admin only.
    """
    return DistributionSnapshot.objects.filter(
        definition=definition, is_current=True, is_preview=False
    )


def current_snapshot(definition: EngagementDefinition) -> DistributionSnapshot | None:
    return published_snapshots(definition).only("pk", "created_at", "published_at").first()


def snapshot_periods(snapshot: DistributionSnapshot, period_type: str) -> list[str]:
    """The periods of a type that a snapshot holds, oldest first."""
    rows = (
        Distribution.objects.filter(snapshot=snapshot, period_type=period_type)
        .values_list("period_start", "period")
        .distinct()
        .order_by("period_start")
    )
    return [label for _, label in rows]


def newest_publication() -> datetime | None:
    """When the newest figures being served were published (any version); None before any."""
    return (
        DistributionSnapshot.objects.filter(is_current=True, is_preview=False)
        .aggregate(newest=Max("published_at"))
        .get("newest")
    )


def rung_columns(definition: EngagementDefinition) -> list[tuple[int, str]]:
    """(position, slug) of every rung of a version, in ladder order."""
    return list(
        Rung.objects.filter(definition=definition)
        .order_by("position")
        .values_list("position", "slug")
    )


def resolve_periods(
    filters: DistributionFilters,
) -> tuple[str | None, Period | None, Period | None]:
    """The period type and the first and last period the filters ask for (None: open).

    A label alone is enough: the four label shapes (2026-04, 2026-Q2, 2026, 2026-27) cannot be
    mistaken for each other, so the period type may be left out.
    """
    problems: dict[str, str] = {}
    if filters.period and (filters.period_from or filters.period_to):
        problems["period"] = "Give either one period or a range (period_from, period_to), not both."
        raise FiltersInvalid(problems)
    period_type = filters.period_type
    parsed: dict[str, Period] = {}
    for name in ("period", "period_from", "period_to"):
        label = getattr(filters, name)
        if not label:
            continue
        try:
            parsed[name] = _parse_label(period_type, label)
        except ValueError as error:
            problems[name] = str(error)
            continue
        if period_type and parsed[name].period_type != period_type:
            problems[name] = f"{label!r} is not a {period_type} period."
        period_type = period_type or parsed[name].period_type
    if problems:
        raise FiltersInvalid(problems)
    if "period" in parsed:
        return period_type, parsed["period"], parsed["period"]
    first, last = parsed.get("period_from"), parsed.get("period_to")
    if first and last and first.start_month > last.start_month:
        raise FiltersInvalid({"period_to": f"{last.label} comes before {first.label}."})
    return period_type, first, last


def _parse_label(period_type: str | None, label: str) -> Period:
    if period_type:
        return parse_period(period_type, label)
    for candidate in PeriodType.values:
        try:
            return parse_period(candidate, label)
        except ValueError:
            continue
    raise ValueError(
        f"{label!r} is not a period: use 2026-04 (month), 2026-Q2 (quarter), 2026 (year) "
        "or 2026-27 (financial year)."
    )


def distribution_rows(filters: DistributionFilters) -> QuerySet:
    """The figures the filters select, as dictionaries (see `row_values` for the columns).

    Ordered by period type, period, force, then the force-scope rows before the force's channels,
    then rung: the order the long layout lists and the wide layout groups.
    """
    definition = figures_definition(filters)
    period_type, first, last = resolve_periods(filters)
    rows = Distribution.objects.filter(snapshot__in=published_snapshots(definition))
    if period_type:
        rows = rows.filter(period_type=period_type)
    if first:
        rows = rows.filter(period_start__gte=first.start)
    if last:
        rows = rows.filter(period_start__lte=last.start)
    rows = rows.filter(scope__in=[filters.scope] if filters.scope else READ_SCOPES)
    if filters.forces:
        rows = rows.filter(force__slug__in=filters.forces)
    if filters.region:
        rows = rows.filter(force__region__iexact=filters.region)
    if filters.channel:
        rows = rows.filter(scope=Scope.CHANNEL, channel__slug=filters.channel)
    if filters.platform:
        rows = rows.filter(scope=Scope.CHANNEL, channel__platform=filters.platform)
    total = Window(
        Sum("citizens"),
        partition_by=[F("period_type"), F("period"), F("scope"), F("force"), F("channel")],
    )
    # Division in floating point (SQLite would divide integers), rounded as a decimal (PostgreSQL
    # rounds to a number of places only a numeric).
    share = Round(
        Cast(
            Cast("citizens", FloatField()) / NullIf(total, 0),
            DecimalField(max_digits=20, decimal_places=10),
        ),
        6,
        output_field=DecimalField(max_digits=8, decimal_places=6),
    )
    rung = Rung.objects.filter(definition=definition, position=OuterRef("rung_position")).order_by()
    return (
        rows.annotate(
            definition_version=Value(definition.version),
            rung=Subquery(rung.values("slug")[:1]),
            share=share,
        )
        .order_by(
            "period_type",
            "period_start",
            "force__slug",
            F("channel__slug").asc(nulls_first=True),
            "rung_position",
        )
        .values(
            "definition_version",
            "period_type",
            "period",
            "period_start",
            "scope",
            "rung_position",
            "rung",
            "citizens",
            "share",
            "force__slug",
            "channel__slug",
        )
    )


def group_key(row: dict) -> tuple:
    """The scope and period a row of `distribution_rows` belongs to."""
    return (
        row["period_type"],
        row["period"],
        row["scope"],
        row["force__slug"],
        row["channel__slug"],
    )


def with_small_numbers_withheld(
    rows: list[dict], filters: DistributionFilters, *, threshold: int
) -> list[dict]:
    """A page of distribution rows with small numbers withheld (see withheld_on_page)."""

    def whole_groups(keys) -> list[dict]:
        groups = Q()
        for period_type, period, scope, force, channel in keys:
            groups |= Q(
                period_type=period_type,
                period=period,
                scope=scope,
                force__slug=force,
                **({"channel__slug": channel} if channel else {"channel__isnull": True}),
            )
        return list(distribution_rows(filters).filter(groups))

    return withheld_on_page(
        rows, whole_groups=whole_groups, group_key=group_key, threshold=threshold
    )
