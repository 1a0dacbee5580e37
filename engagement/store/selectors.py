"""Reading the published figures: the one query behind the API, the CSV exports, the report page
and the `export_distributions` command.

Every reader goes through `distribution_rows`, so the same filters always give the same figures,
whichever door an analyst comes in by. Defaults, when a filter is not given:

- definition: the current (published) version;
- period_type, scope, forces, region, channel, platform: no restriction (all of them);
- period / period_from / period_to: every period held. `period` names one period; `period_from`
  and `period_to` (both included, either may be left open) name a range of one period type.

Only the current snapshot of the chosen version is read, and never a preview (see
`published_snapshots`). The rows are LADDER.md's long layout: rungs 1 to 6 for every scope and
period that has anyone engaged (a rung nobody reached is a row of 0: the store leaves such rows
out), and rung 0 at force scope. `channel` keeps channel-scope rows; `platform` keeps the
platform-scope rows of that platform and the channel-scope rows of its channels.

Both shares are computed in SQL, each named for its denominator (LADDER.md, "The distribution"):
`share_of_engaged` over the citizens at rungs 1 to 6 of the row's scope and period, and
`share_of_population` (force scope, where rung 0 is known) over rungs 0 to 6. Both are rounded to
SHARE_PLACES, enough that a single citizen of the largest force area is never a share of 0.

A force's local lens is read only when asked for by name (`lens`: the force's slug, or the lens's
id); its figures are its force's only. Without `lens`, no reader ever sees a lens: the shared
definitions (`EngagementDefinition.objects`) do not include them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from django.db import connection
from django.db.models import Max, QuerySet

from engagement.definitions.selectors import current_definition
from engagement.ladder.counting import earliest_in_month
from engagement.ladder.periods import (
    LONDON,
    DataDays,
    Period,
    is_partial,
    month_of_index,
    parse_period,
)
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
from engagement.store.suppression import (
    cells_to_withhold,
    force_row,
    withheld_across_forces,
    withheld_on_page,
)
from forces.models import Channel, Force

# Every scope the store holds, in the order a force's rows are listed.
READ_SCOPES: tuple[str, ...] = (Scope.FORCE, Scope.PLATFORM, Scope.CHANNEL)
READ_SCOPE_CHOICES: list[tuple[str, str]] = [
    (value, label) for value, label in Scope.choices if value in READ_SCOPES
]
SHARE_PLACES = 10
NO_LIMIT = 2**62  # OFFSET without LIMIT, written the way PostgreSQL and SQLite both read

# The columns of a distribution row, in the order of LADDER.md's long layout.
ROW_FIELDS: tuple[str, ...] = (
    "definition_version",
    "period_type",
    "period",
    "scope",
    "force",
    "platform",
    "channel",
    "rung_position",
    "rung",
    "citizens",
    "share_of_engaged",
    "share_of_population",
)
# What a row carries besides: for ordering, and the force's name and region beside its slug.
ROW_EXTRAS: tuple[str, ...] = ("period_start", "force_name", "region")


def row_values(row: dict) -> list:
    """A row of `distribution_rows` as a list in ROW_FIELDS order."""
    return [row[name] for name in ROW_FIELDS]


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


def lens_choices() -> list[tuple[str, str]]:
    """(force slug, "Force's local lens") of every force with a published lens, by force name:
    the lens picker's choices (the `lens` filter takes the force's slug)."""
    return [
        (slug, f"{name}'s local lens")
        for slug, name in LocalLens.objects.filter(status=DefinitionStatus.PUBLISHED)
        .order_by("force__name")
        .values_list("force__slug", "force__name")
    ]


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
    return (
        published_snapshots(definition)
        .only("pk", "created_at", "published_at", "first_month", "horizon")
        .first()
    )


def snapshot_periods(snapshot: DistributionSnapshot, period_type: str) -> list[str]:
    """The periods of a type that a snapshot holds, oldest first."""
    rows = (
        Distribution.objects.filter(snapshot=snapshot, period_type=period_type)
        .values_list("period_start", "period")
        .distinct()
        .order_by("period_start")
    )
    return [label for _, label in rows]


def data_days(snapshot: DistributionSnapshot | None) -> DataDays | None:
    """The London days a snapshot's data run over: from its earliest interaction to its horizon
    (None before any figures). The earliest is read from the first month's interactions; where
    they have since gone (an erasure), the month's first day stands in."""
    if snapshot is None or snapshot.horizon is None or snapshot.first_month is None:
        return None
    earliest = earliest_in_month(snapshot.first_month)
    if earliest is None:
        year, month = month_of_index(snapshot.first_month)
        earliest = datetime(year, month, 1, tzinfo=LONDON)
    return DataDays.of(earliest, snapshot.horizon)


def partial_flags(days: DataDays | None) -> Callable[[str, str], bool]:
    """`partial(period_type, period)` for every row of a file, each period parsed once."""

    @cache
    def partial(period_type: str, label: str) -> bool:
        return is_partial(parse_period(period_type, label), days)

    return partial


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


# The long layout in SQL, for PostgreSQL and SQLite alike. `picked` is the store's rows the
# filters select; `engaged` the scopes and periods with anyone at rungs 1 to 6, each crossed with
# the six rungs so that a rung nobody reached is a 0; rung 0 comes as the store holds it. The
# shares divide in floating point (SQLite would divide integers) and round as a numeric
# (PostgreSQL rounds to a number of places only a numeric).
_SHARE = (
    "ROUND(CAST(CAST(t.citizens AS DOUBLE PRECISION) / NULLIF({total}, 0) AS NUMERIC), {places})"
)
_ROWS_SQL = """
WITH picked AS (
    SELECT d.period_type, d.period, d.period_start, d.scope, d.force_id, d.channel_id,
           CASE WHEN d.scope = %(channel_scope)s THEN c.platform ELSE d.platform END AS platform,
           d.rung_position, d.citizens
    FROM {distribution} d
    JOIN {force} f ON f.id = d.force_id
    LEFT JOIN {channel} c ON c.id = d.channel_id
    WHERE d.snapshot_id = %(snapshot)s {conditions}
),
engaged AS (
    SELECT DISTINCT period_type, period, period_start, scope, force_id, channel_id, platform
    FROM picked WHERE rung_position > 0 AND citizens > 0
),
cells AS (
    SELECT e.period_type, e.period, e.period_start, e.scope, e.force_id, e.channel_id,
           e.platform, r.position AS rung_position, COALESCE(p.citizens, 0) AS citizens
    FROM engaged e
    CROSS JOIN {rung} r
    LEFT JOIN picked p
      ON p.period_type = e.period_type AND p.period = e.period AND p.scope = e.scope
     AND p.force_id = e.force_id AND COALESCE(p.channel_id, 0) = COALESCE(e.channel_id, 0)
     AND p.platform = e.platform AND p.rung_position = r.position
    WHERE r.definition_id = %(definition)s AND r.position > 0
    UNION ALL
    SELECT period_type, period, period_start, scope, force_id, channel_id, platform,
           rung_position, citizens
    FROM picked WHERE rung_position = 0 AND scope = %(force_scope)s
),
totals AS (
    SELECT cells.*,
           SUM(CASE WHEN rung_position > 0 THEN citizens END) OVER w AS engaged_total,
           SUM(citizens) OVER w AS everyone,
           COUNT(CASE WHEN rung_position = 0 THEN citizens END) OVER w AS rung0_known
    FROM cells
    WINDOW w AS (PARTITION BY period_type, period, scope, force_id, channel_id, platform)
)
SELECT %(version)s AS definition_version, t.period_type, t.period, t.scope,
       f.slug AS force, NULLIF(t.platform, '') AS platform, ch.slug AS channel,
       t.rung_position, r.slug AS rung, t.citizens,
       CASE WHEN t.rung_position > 0 THEN {share_of_engaged} END AS share_of_engaged,
       CASE WHEN t.scope = %(force_scope)s AND t.rung0_known > 0
            THEN {share_of_population} END AS share_of_population,
       t.period_start, f.name AS force_name, f.region AS region
FROM totals t
JOIN {force} f ON f.id = t.force_id
LEFT JOIN {channel} ch ON ch.id = t.channel_id
LEFT JOIN {rung} r ON r.definition_id = %(definition)s AND r.position = t.rung_position
ORDER BY t.period_type, t.period_start, {force_order}
         CASE t.scope WHEN %(force_scope)s THEN 0 WHEN %(platform_scope)s THEN 1 ELSE 2 END,
         t.platform, ch.slug, t.rung_position
"""


@dataclass(frozen=True)
class DistributionRows:
    """The rows a filter selects, read lazily: counted and sliced for a paginator, streamed for
    a CSV. Each row is a dictionary of ROW_FIELDS and ROW_EXTRAS."""

    sql: str
    params: dict
    limit: int | None = None
    offset: int = 0

    def _bounded(self) -> str:
        if self.limit is None and not self.offset:
            return self.sql
        limit = NO_LIMIT if self.limit is None else self.limit
        return f"{self.sql} LIMIT {int(limit)} OFFSET {int(self.offset)}"

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({self._bounded()}) AS counted", self.params)
            return cursor.fetchone()[0]

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, bounds: slice) -> DistributionRows:
        if not isinstance(bounds, slice) or bounds.step is not None:
            raise TypeError("distribution rows are sliced, not indexed")
        start = bounds.start or 0
        stop = bounds.stop
        if self.limit is not None:
            stop = self.limit if stop is None else min(stop, self.limit)
        return DistributionRows(
            self.sql,
            self.params,
            limit=None if stop is None else max(stop - start, 0),
            offset=self.offset + start,
        )

    def in_groups(self, keys) -> DistributionRows:
        """Only the rows of the given groups (`group_key`s): a page's whole scopes and periods,
        for small-number protection, in one query."""
        clauses: list[str] = []
        params = dict(self.params)
        for index, key in enumerate(keys):
            names = [f"group_{index}_{part}" for part in range(len(key))]
            params.update(zip(names, key, strict=True))
            columns = ("period_type", "period", "scope", "force", "platform", "channel")
            clauses.append(
                "("
                + " AND ".join(
                    f"grouped.{column} IS NULL"
                    if value is None
                    else f"grouped.{column} = %({name})s"
                    for column, name, value in zip(columns, names, key, strict=True)
                )
                + ")"
            )
        where = " OR ".join(clauses) or "1 = 0"
        sql = f"SELECT * FROM ({self._bounded()}) AS grouped WHERE {where}"
        return DistributionRows(sql, params)

    def iterator(self, chunk_size: int = 2000) -> Iterator[dict]:
        """The rows one chunk at a time (a server-side cursor on PostgreSQL)."""
        with connection.chunked_cursor() as cursor:
            cursor.execute(self._bounded(), self.params)
            names: list[str] = []
            while chunk := cursor.fetchmany(chunk_size):
                # A named cursor describes its columns only once it has fetched.
                names = names or [column[0] for column in cursor.description]
                for values in chunk:
                    yield dict(zip(names, values, strict=True))

    def __iter__(self) -> Iterator[dict]:
        return self.iterator()


def _conditions(filters: DistributionFilters, period_type, first, last) -> tuple[str, dict]:
    """The WHERE clauses of `picked` and their parameters."""
    clauses: list[str] = []
    params: dict = {}

    def add(clause: str, **values) -> None:
        clauses.append(clause)
        params.update(values)

    if period_type:
        add("d.period_type = %(period_type)s", period_type=period_type)
    if first:
        add("d.period_start >= %(first)s", first=first.start)
    if last:
        add("d.period_start <= %(last)s", last=last.start)
    scopes = [filters.scope] if filters.scope else list(READ_SCOPES)
    names = {f"scope_{index}": scope for index, scope in enumerate(scopes)}
    add(f"d.scope IN ({', '.join(f'%({name})s' for name in names)})", **names)
    if filters.forces:
        names = {f"force_{index}": slug for index, slug in enumerate(filters.forces)}
        add(f"f.slug IN ({', '.join(f'%({name})s' for name in names)})", **names)
    if filters.region:
        add("LOWER(f.region) = LOWER(%(region)s)", region=filters.region)
    if filters.channel:
        add("d.scope = %(channel_scope)s AND c.slug = %(channel)s", channel=filters.channel)
    if filters.platform:
        add(
            "((d.scope = %(platform_scope)s AND d.platform = %(platform)s)"
            " OR (d.scope = %(channel_scope)s AND c.platform = %(platform)s))",
            platform=filters.platform,
        )
    return "".join(f" AND {clause}" for clause in clauses), params


def _force_order(forces: tuple[str, ...]) -> str:
    """The forces in the order they were asked for (a comparison keeps its order), else by slug."""
    if not forces:
        return "f.slug,"
    whens = " ".join(f"WHEN %(force_{index})s THEN {index}" for index in range(len(forces)))
    return f"CASE f.slug {whens} END, f.slug,"


def distribution_rows(
    filters: DistributionFilters,
    *,
    definition: EngagementDefinition | None = None,
    snapshot: DistributionSnapshot | None = None,
) -> DistributionRows:
    """The figures the filters select, in LADDER.md's long layout (see `row_values`).

    Ordered by period type, period, force (in the order asked for, else by slug), then the
    force-scope rows, its platforms, its channels, then rung: the order the long layout lists and
    the wide layout groups.
    """
    definition = definition or figures_definition(filters)  # a caller that has it saves a query
    period_type, first, last = resolve_periods(filters)
    snapshot = snapshot or current_snapshot(definition)
    conditions, params = _conditions(filters, period_type, first, last)
    share = _SHARE.replace("{places}", str(SHARE_PLACES))
    sql = _ROWS_SQL.format(
        distribution=Distribution._meta.db_table,
        force=Force._meta.db_table,
        channel=Channel._meta.db_table,
        rung=Rung._meta.db_table,
        conditions=conditions,
        force_order=_force_order(filters.forces),
        share_of_engaged=share.replace("{total}", "t.engaged_total"),
        share_of_population=share.replace("{total}", "t.everyone"),
    )
    params.update(
        snapshot=snapshot.pk if snapshot else -1,
        definition=definition.pk,
        version=definition.version,
        force_scope=Scope.FORCE,
        platform_scope=Scope.PLATFORM,
        channel_scope=Scope.CHANNEL,
    )
    return DistributionRows(sql, params)


def group_key(row: dict) -> tuple:
    """The scope and period a row of `distribution_rows` belongs to."""
    return (
        row["period_type"],
        row["period"],
        row["scope"],
        row["force"],
        row["platform"],
        row["channel"],
    )


class AcrossForces:
    """Small-number protection's decision for the groups of `distribution_rows` (a `Decide`).

    A force's ladder (force scope, or one platform) is added up by its region and the nation,
    which the pages show, so its withheld rungs are those of the whole table of forces for the
    period (`withheld_across_forces`), read once per period type, scope and platform: the same
    cells on the pages, in the API and in the files. A channel adds up to nothing published and
    is decided on its own.
    """

    position = "rung_position"

    def __init__(self, rows: DistributionRows, *, threshold: int):
        self.rows = rows
        self.snapshot_id = rows.params.get("snapshot", -1)
        self.threshold = threshold
        self.tables: dict[tuple, dict[str, dict]] = {}

    @staticmethod
    def group_key(row: dict) -> tuple:
        return group_key(row)

    def whole_groups(self, keys) -> DistributionRows:
        return self.rows.in_groups(keys)

    def __call__(self, rows: list[dict]) -> set[int]:
        first = rows[0]
        if first["scope"] == Scope.CHANNEL:
            counts = {row["rung_position"]: row["citizens"] for row in rows}
            return cells_to_withhold(counts, threshold=self.threshold)
        key = (first["period_type"], first["scope"], first["platform"] or "")
        if key not in self.tables:
            self.tables[key] = self._decided(*key)
        decided = self.tables[key].get(first["period"], {})
        return set(decided.get(force_row(first["force"]), ()))

    def _decided(self, period_type: str, scope: str, platform: str) -> dict[str, dict]:
        """Every period's decision for one period type, scope and platform (one query)."""
        rows = Distribution.objects.filter(
            snapshot_id=self.snapshot_id, period_type=period_type, scope=scope
        )
        if scope == Scope.PLATFORM:
            rows = rows.filter(platform=platform)
        forces: dict[str, dict[tuple[str, str], dict[int, int | None]]] = {}
        for period, slug, region, position, citizens in rows.values_list(
            "period", "force__slug", "force__region", "rung_position", "citizens"
        ):
            forces.setdefault(period, {}).setdefault((slug, region), {})[position] = citizens
        return {
            period: withheld_across_forces(
                ((slug, region, counts) for (slug, region), counts in by_force.items()),
                threshold=self.threshold,
            )
            for period, by_force in forces.items()
        }


def with_small_numbers_withheld(
    rows: list[dict], filters: DistributionFilters, *, threshold: int
) -> list[dict]:
    """A page of distribution rows with small numbers withheld (see withheld_on_page)."""
    decision = AcrossForces(distribution_rows(filters), threshold=threshold)
    return withheld_on_page(rows, decision=decision, threshold=threshold)
