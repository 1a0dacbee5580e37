"""CSV for analysts: the long and wide layouts of LADDER.md, and the writer every CSV goes through.

Every CSV the project emits (the report download, `export_distributions`, and `?format=csv` on
every API list) is written by `csv_lines`, so every text cell passes `neutralise`: a spreadsheet
must never run a channel or team name as a formula. Writers are generators, so a large export
streams with flat memory. Excel opens the files cleanly: minimal quoting done properly, CRLF line
ends, and an optional UTF-8 byte-order mark (without one, Excel guesses the encoding wrongly).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from engagement.choices import WITHHELD
from engagement.store.selectors import (
    ROW_FIELDS,
    SHARE_PLACES,
    AcrossForces,
    DistributionFilters,
    DistributionRows,
    current_snapshot,
    data_days,
    distribution_rows,
    figures_definition,
    partial_flags,
    row_values,
    rung_columns,
)
from engagement.store.suppression import is_on, protect_group, protected_by, suppression_note

BOM = "\ufeff"
# A cell starting with one of these is read as a formula (or a formula's start) by Excel,
# LibreOffice and Google Sheets (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LAYOUTS = ("long", "wide")
STREAM_CHUNK = 2000
# Both layouts end with `partial` (before a protected file's note): whether the data held cover
# only part of the row's period (engagement.ladder.periods.is_partial).
PARTIAL = "partial"
# The rungs at "Conversation or above" start here (the wide layout's two extra figures).
CONVERSATION = 2
# partial(period_type, period): see engagement.store.selectors.partial_flags.
Partial = Callable[[str, str], bool]


def never_partial(period_type: str, period: str) -> bool:
    return False


def neutralise(value: object) -> object:
    """A text cell made inert for spreadsheets: a leading formula character gets a `'` before it.

    Only text is touched: numbers (a negative count, say) stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def cell(value: object) -> object:
    """How one value is written: empty for unknown, true/false, shares as plain decimals (0, 1,
    0.25, never an exponent), text inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | float):
        return decimal_text(value)
    return neutralise(value)


def decimal_text(value: Decimal | float) -> str:
    """A share as the CSV and the API write it: SHARE_PLACES places at most, no trailing zeros."""
    text = f"{round(Decimal(str(value)), SHARE_PLACES):.{SHARE_PLACES}f}".rstrip("0").rstrip(".")
    return text or "0"


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[object]], *, bom: bool = False) -> Iterator[str]:
    """Each row as one CSV line (CRLF, minimal quoting), every cell through `cell`."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    if bom:
        yield BOM
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def _stream(rows: DistributionRows) -> Iterator[dict]:
    return rows.iterator(chunk_size=STREAM_CHUNK)


def _scope_and_period(row: dict) -> tuple:
    """The group a row belongs to: one scope (force, platform or channel) in one period."""
    return tuple(row[name] for name in WIDE_KEY)


def with_note(header: Sequence[str], threshold: int) -> list[str]:
    """A protected file says what its marker means in its header row (a line above the header
    would break CSV readers): one more column, empty in every row."""
    return [*header, suppression_note(threshold)] if is_on(threshold) else list(header)


def long_rows(
    rows: DistributionRows, *, suppress_below: int = 0, partial: Partial = never_partial
) -> Iterator[Sequence[object]]:
    """LADDER.md's long layout: the header, then one row per rung (small counts withheld when
    `suppress_below` is on), each ending with whether its period is partial."""
    yield with_note([*ROW_FIELDS, PARTIAL], suppress_below)
    note = [""] if is_on(suppress_below) else []
    decision = AcrossForces(rows, threshold=suppress_below)
    for row in protected_by(_stream(rows), decision, threshold=suppress_below):
        yield [*row_values(row), partial(row["period_type"], row["period"]), *note]


# The wide layout's key: the long layout's, with the force's name and region beside its slug.
WIDE_KEY = (
    "definition_version",
    "period_type",
    "period",
    "scope",
    "force",
    "force_name",
    "region",
    "platform",
    "channel",
)


def wide_header(rungs: Sequence[tuple[int, str]]) -> list[str]:
    """Counts, then shares: `rung_<position>_<slug>` per rung (where and what the rung is), then
    `engaged` (rungs 1 to 6), `conversation_or_above` (rungs 2 to 6) and its share of the engaged,
    then `share_of_engaged_<position>_<slug>` for rungs 1 to 6 and `share_of_population_...` for
    all, then `partial`."""
    engaged = [(position, slug) for position, slug in rungs if position > 0]
    return [
        *WIDE_KEY,
        *(f"rung_{position}_{slug}" for position, slug in rungs),
        "engaged",
        "conversation_or_above",
        "share_conversation_or_above",
        *(f"share_of_engaged_{position}_{slug}" for position, slug in engaged),
        *(f"share_of_population_{position}_{slug}" for position, slug in rungs),
        PARTIAL,
    ]


def conversation_figures(
    counts: dict[int, int | None], withheld: set[int]
) -> tuple[int, int | str, float | None]:
    """(engaged, conversation_or_above, its share of the engaged) from a row's true counts.

    The engaged total is published anyway (any shown share gives it away). The sum at
    Conversation or above is withheld ([c]) where it would give a withheld rung away: when it
    adds up some of the withheld rungs but not all (the pages' rule, dashboard.ladders)."""
    engaged = sum(count or 0 for position, count in counts.items() if position > 0)
    above = {position for position in counts if position >= CONVERSATION}
    included = withheld & above
    if included and included != withheld:
        return engaged, WITHHELD, None
    conversation = sum(counts[position] or 0 for position in above)
    return engaged, conversation, (conversation / engaged if engaged else None)


def wide_rows(
    rows: DistributionRows,
    rungs: Sequence[tuple[int, str]],
    *,
    suppress_below: int = 0,
    partial: Partial = never_partial,
) -> Iterator[Sequence[object]]:
    """The wide layout: one row per scope and period, the counts per rung, the engaged and those
    at Conversation or above, then the shares (small counts, and every share from them, withheld
    when `suppress_below` is on), then whether the period is partial.

    The numbers are the long layout's, moved into columns: a rung with no row is empty. Rows
    arrive grouped (see `distribution_rows`), so one group is held at a time.
    """
    positions = [position for position, _ in rungs]
    engaged = [position for position in positions if position > 0]
    yield with_note(wide_header(rungs), suppress_below)
    note = [""] if is_on(suppress_below) else []
    decide = AcrossForces(rows, threshold=suppress_below)
    for key, group in groupby(_stream(rows), key=_scope_and_period):
        group = list(group)
        counts = {row["rung_position"]: row["citizens"] for row in group}
        by_position = {
            row["rung_position"]: row
            for row in protect_group(group, threshold=suppress_below, decide=decide)
        }
        withheld = {p for p, row in by_position.items() if p > 0 and row["citizens"] == WITHHELD}
        yield [
            *key,
            *_column(by_position, "citizens", positions),
            *conversation_figures({p: counts.get(p) for p in engaged}, withheld),
            *_column(by_position, "share_of_engaged", engaged),
            *_column(by_position, "share_of_population", positions),
            partial(key[1], key[2]),
            *note,
        ]


def _column(by_position: dict[int, dict], name: str, positions: list[int]) -> list[object]:
    return [(by_position.get(p) or {}).get(name) for p in positions]


def layout_rows(
    rows: DistributionRows,
    *,
    layout: str,
    rungs: Sequence[tuple[int, str]],
    suppress_below: int = 0,
    partial: Partial = never_partial,
) -> Iterator[Sequence[object]]:
    if layout == "wide":
        return wide_rows(rows, rungs, suppress_below=suppress_below, partial=partial)
    return long_rows(rows, suppress_below=suppress_below, partial=partial)


@dataclass(frozen=True)
class DistributionExport:
    filename: str
    lines: Iterator[str]


def export_filename(filters: DistributionFilters, *, version: int, layout: str) -> str:
    """A file name that says what the file holds: version, period type, period(s), scope, the
    other filters, and the layout (`ladder-v1-month-2026-04-force-kent-essex-wide.csv`).

    The CSV itself stays pure (a comment line would break CSV readers); every row also carries
    its definition version and period.
    """
    if filters.period:
        periods = filters.period
    elif filters.period_from or filters.period_to:
        periods = f"{filters.period_from or 'start'}-to-{filters.period_to or 'end'}"
    else:
        periods = "all-periods"
    parts = [
        "ladder",
        f"lens-{filters.lens}" if filters.lens else "",
        f"v{version}",
        filters.period_type or "",
        periods,
        filters.scope or "all-scopes",
        "-".join(filters.forces),
        filters.region or "",
        filters.platform or "",
        f"channel-{filters.channel}" if filters.channel else "",
        layout,
    ]
    name = "-".join(slugify(part) for part in parts if part)
    return name[:180] + ".csv"


def distribution_table(
    filters: DistributionFilters,
    *,
    layout: str = "long",
    max_rows: int | None = None,
    suppress_below: int = 0,
) -> Iterator[Sequence[object]]:
    """The header and rows of a layout for some filters; `max_rows` bounds a preview in SQL."""
    definition = figures_definition(filters)
    rungs = rung_columns(definition)
    snapshot = current_snapshot(definition)
    rows = distribution_rows(filters, definition=definition, snapshot=snapshot)
    if max_rows is not None:
        rows = rows[: max_rows * (len(rungs) if layout == "wide" else 1)]
    partial = partial_flags(data_days(snapshot))
    return layout_rows(
        rows, layout=layout, rungs=rungs, suppress_below=suppress_below, partial=partial
    )


def distribution_export(
    filters: DistributionFilters,
    *,
    layout: str = "long",
    bom: bool = False,
    suppress_below: int = 0,
) -> DistributionExport:
    """The distributions CSV for some filters, as a named stream of lines."""
    version = figures_definition(filters).version
    table = distribution_table(filters, layout=layout, suppress_below=suppress_below)
    return DistributionExport(
        filename=export_filename(filters, version=version, layout=layout),
        lines=csv_lines(table, bom=bom),
    )


def streaming_csv_response(lines: Iterable[str], *, filename: str) -> StreamingHttpResponse:
    """A CSV download, sent as it is written."""
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in lines), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
