"""CSV for analysts: the long and wide layouts of LADDER.md, and the writer every CSV goes through.

Every CSV the project emits (the report download, `export_distributions`, and `?format=csv` on
every API list) is written by `csv_lines`, so every text cell passes `neutralise`: a spreadsheet
must never run a channel or team name as a formula. Writers are generators, so a large export
streams with flat memory. Excel opens the files cleanly: minimal quoting done properly, CRLF line
ends, and an optional UTF-8 byte-order mark (without one, Excel guesses the encoding wrongly).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

from engagement.store.selectors import (
    ROW_FIELDS,
    ROW_SOURCES,
    DistributionFilters,
    distribution_rows,
    figures_definition,
    row_values,
    rung_columns,
)
from engagement.store.suppression import is_on, protect_counts, protected, suppression_note

BOM = "\ufeff"
# A cell starting with one of these is read as a formula (or a formula's start) by Excel,
# LibreOffice and Google Sheets (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LAYOUTS = ("long", "wide")
STREAM_CHUNK = 2000


def neutralise(value: object) -> object:
    """A text cell made inert for spreadsheets: a leading formula character gets a `'` before it.

    Only text is touched: numbers (a negative count, say) stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def cell(value: object) -> object:
    """How one value is written: empty for unknown, true/false, shares to 6 places, text inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | float):
        return f"{value:.6f}"
    return neutralise(value)


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


def _stream(rows: QuerySet) -> Iterator[dict]:
    return rows.iterator(chunk_size=STREAM_CHUNK)


def _scope_and_period(row: dict) -> tuple:
    """The group a row belongs to: one scope (force or channel) in one period."""
    return tuple(row[ROW_SOURCES.get(name, name)] for name in WIDE_KEY)


def with_note(header: Sequence[str], threshold: int) -> list[str]:
    """A protected file says what its marker means in its header row (a line above the header
    would break CSV readers): one more column, empty in every row."""
    return [*header, suppression_note(threshold)] if is_on(threshold) else list(header)


def long_rows(rows: QuerySet, *, suppress_below: int = 0) -> Iterator[Sequence[object]]:
    """LADDER.md's long layout: the header, then one row per rung (small counts withheld when
    `suppress_below` is on)."""
    yield with_note(ROW_FIELDS, suppress_below)
    note = [""] if is_on(suppress_below) else []
    for row in protected(_stream(rows), threshold=suppress_below, group_key=_scope_and_period):
        yield [*row_values(row), *note]


WIDE_KEY = ("definition_version", "period_type", "period", "scope", "force", "channel")


def wide_header(rungs: Sequence[tuple[int, str]]) -> list[str]:
    """`rung_<position>_<slug>` per rung, so a column says both where and what the rung is."""
    return [*WIDE_KEY, *(f"rung_{position}_{slug}" for position, slug in rungs), "total"]


def wide_rows(
    rows: QuerySet, rungs: Sequence[tuple[int, str]], *, suppress_below: int = 0
) -> Iterator[Sequence[object]]:
    """The wide layout: one row per scope and period, a column per rung, and the total.

    A rung with no row is empty; the total adds the known citizens (rung 0 where it is known),
    the same total `share` divides by. Rows arrive grouped (see `distribution_rows`), so one
    group is held at a time.
    """
    positions = [position for position, _ in rungs]
    yield with_note(wide_header(rungs), suppress_below)
    note = [""] if is_on(suppress_below) else []
    for key, group in groupby(_stream(rows), key=_scope_and_period):
        by_position = {row["rung_position"]: row["citizens"] for row in group}
        known = [c for c in by_position.values() if c is not None]
        shown = protect_counts(by_position, threshold=suppress_below)
        yield [
            *key,
            *(shown.get(position) for position in positions),
            # The true total (at force scope, the population): with at least two cells withheld
            # it gives away only their sum.
            sum(known) if known else None,
            *note,
        ]


def layout_rows(
    rows: QuerySet, *, layout: str, rungs: Sequence[tuple[int, str]], suppress_below: int = 0
) -> Iterator[Sequence[object]]:
    if layout == "wide":
        return wide_rows(rows, rungs, suppress_below=suppress_below)
    return long_rows(rows, suppress_below=suppress_below)


@dataclass(frozen=True)
class DistributionExport:
    filename: str
    lines: Iterator[str]


def export_filename(filters: DistributionFilters, *, version: int, layout: str) -> str:
    """A file name that says what the file holds: version, period type, period(s), layout.

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
        filters.scope or "",
        layout,
    ]
    return "-".join(slugify(part) for part in parts if part) + ".csv"


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
    rows = distribution_rows(filters)
    if max_rows is not None:
        rows = rows[: max_rows * (len(rungs) if layout == "wide" else 1)]
    return layout_rows(rows, layout=layout, rungs=rungs, suppress_below=suppress_below)


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
