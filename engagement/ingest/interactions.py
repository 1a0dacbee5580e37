"""Importing interactions: validate every row, then write them all set-based, or nothing.

The first pass streams the rows once: each is checked, its citizen pseudonymised and the result
written to a temporary file, so memory stays flat whatever the size. Only when no row has a
problem does the second pass run, in one transaction: the file goes into a temporary staging
table (COPY on PostgreSQL, batched executemany on SQLite), the citizens not held yet are added
from it, and one INSERT ... SELECT adds the rows that are not duplicates under LADDER.md's two
rules (both inserts checked in SQL, set-based, and without ON CONFLICT: see _insert_checked):

- a row with an external_id is a duplicate when its channel already holds that external_id, or
  an earlier row of the same import has the same channel and external_id;
- a row without one is a duplicate when a held row, or an earlier row of the import that is kept,
  has the same channel, citizen, kind and instant (a row skipped as a duplicate makes no later row
  a duplicate).

The (force, month) pairs that received rows are marked stale for the incremental recompute.

Time: `occurred_at` with an offset or `Z` is that instant. Without one it is Europe/London local
time. A local time the spring-forward skips (01:30 on the last Sunday of March) does not exist
and is a problem; a local time the autumn change repeats (01:30 on the last Sunday of October)
is taken as its first occurrence, still in BST (fold=0). An instant before EARLIEST (2000-01-01)
or more than FUTURE_TOLERANCE (24 hours) after the moment of import is a problem: a typing or
export error that would stretch the range of periods, and every figure, over decades.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from engagement.definitions.selectors import current_definition
from engagement.ingest.profiles import (
    PREVIEW_RECORDS,
    SKIPPED,
    LabelledProblems,
    Profile,
    json_records,
    ladder_row,
    mapped_rows,
    read_records,
)
from engagement.ingest.pseudonyms import Pseudonymiser, as_text, normalise
from engagement.ingest.rows import (
    DEFAULT_REQUEST,
    Column,
    ImportRejected,
    ImportRequest,
    ImportResult,
    Problems,
    Row,
    checked_row,
    csv_rows,
    import_service,
    record_result,
    reject,
)
from engagement.ladder.periods import LONDON, local_month_of
from engagement.models import ImportBatch, StaleCitizen
from forces.models import Channel, Force

__all__ = [
    "INTERACTION_COLUMNS",
    "ImportRejected",
    "ImportRequest",
    "ImportResult",
    "import_interaction_rows",
    "import_interactions",
    "import_profiled_data",
    "import_with_profile",
    "parse_occurred_at",
    "preview_with_profile",
]


KIND = ImportBatch.Kind.INTERACTIONS
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(hours=24)
STAGING_BATCH = 5000
WORK_MEM = "256MB"

INTERACTION_COLUMNS = (
    Column("force", 64),
    Column("channel", 64),
    Column("citizen", 500),
    Column("kind", 40),
    Column("occurred_at", 64),
    Column("external_id", 200, required=False),
)
STAGING_COLUMNS = (
    "seq",
    "force_id",
    "channel_id",
    "platform",
    "pseudonym",
    "kind",
    "occurred_at",
    "local_month",
    "external_id",
)


@import_service
def import_interactions(
    *, source: IO[bytes], request: ImportRequest = DEFAULT_REQUEST
) -> ImportResult:
    """Import an interactions CSV (see LADDER.md): all rows, or none and ImportRejected."""
    problems = Problems("line")
    rows = csv_rows(
        source, columns=INTERACTION_COLUMNS, problems=problems, progress=request.progress
    )
    return _import(rows, problems, request)


@import_service
def import_interaction_rows(
    *, rows: Iterable[Row], request: ImportRequest, where: str = "index"
) -> ImportResult:
    """Import interaction objects with the CSV's fields (the API, the demo generator).

    Problems are located by the object's index in `rows` (0 first).
    """
    return _import(enumerate(rows), Problems(where), request)


@import_service
def import_with_profile(
    *, profile: Profile, source: IO[bytes], request: ImportRequest = DEFAULT_REQUEST
) -> ImportResult:
    """Import another tool's export read through an import profile (engagement.ingest.profiles):
    its records become Ladder's rows, and every rule of the interactions import holds."""
    problems = LabelledProblems(profile.complete())
    records = read_records(profile, source, problems, progress=request.progress)
    return _import(mapped_rows(profile, records, problems), problems, request)


@import_service
def import_profiled_data(
    *, profile: Profile, data: Any, request: ImportRequest = DEFAULT_REQUEST
) -> ImportResult:
    """Import another tool's records already parsed from JSON (the API's body) through a JSON
    profile; problems are located by record, counted from 1."""
    problems = LabelledProblems(profile.complete())
    records = json_records(profile, data, problems)
    return _import(mapped_rows(profile, records, problems), problems, request)


@dataclass(frozen=True)
class PreviewRecord:
    """One record of an export as Ladder will read it, with its own problems."""

    position: int
    row: Row | None
    skipped: bool
    problems: list[str]
    instant: datetime | None = None


def preview_with_profile(
    *,
    profile: Profile,
    source: IO[bytes],
    request: ImportRequest = DEFAULT_REQUEST,
    limit: int = PREVIEW_RECORDS,
) -> tuple[list[PreviewRecord], list[str]]:
    """The first `limit` records of an export as Ladder will read them, each with the problems
    the import would find in it (the same checks), and the problems of the file as a whole.
    Nothing is written and nothing is recorded."""
    problems = LabelledProblems(profile)
    checker = _RowChecker(problems, request)
    records = read_records(profile, source, problems)
    shown: list[PreviewRecord] = []
    for position, record in records:
        if len(shown) == limit:
            break
        before = problems.count
        row = ladder_row(profile, position, record, problems)
        skipped = row is SKIPPED
        instant = None
        if not skipped:
            fields = checked_row(position, row, columns=INTERACTION_COLUMNS, problems=problems)
            if fields is not None and checker.staged(len(shown) + 1, position, fields):
                instant = parse_occurred_at(fields["occurred_at"].strip())
        own = [str(problem) for problem in problems.kept[before:]]
        shown.append(
            PreviewRecord(
                position=position,
                row=None if skipped or not isinstance(row, dict) else row,
                skipped=skipped,
                problems=own,
                instant=instant,
            )
        )
    whole = [str(problem) for problem in problems.kept if problem.position is None]
    return shown, whole


def parse_occurred_at(text: str) -> datetime:
    """The UTC instant an `occurred_at` value names, or ValueError saying what is wrong (without
    repeating the value: it may be an identifier from a shifted column)."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        # Python's own message quotes the value when the layout is wrong; only the others
        # ("month must be in 1..12") are kept.
        reason = str(error)
        quotes = reason.startswith("Invalid isoformat") or (text.strip() and text in reason)
        detail = "" if quotes else f" ({reason})"
        raise ValueError(f"is not a valid ISO 8601 date and time{detail}") from None
    try:
        if parsed.tzinfo is None:
            local = parsed.replace(tzinfo=LONDON, fold=0)
            instant = local.astimezone(UTC)
            if instant.astimezone(LONDON).replace(tzinfo=None) != parsed:
                raise ValueError(
                    "does not exist in Europe/London (the clocks went forward "
                    "then); give the time with its offset"
                )
            return instant
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


class _RowChecker:
    """Checks one row against the reference data and turns it into a line of the staging CSV.

    The line is written directly (not through csv.writer): every field but the external id is
    checked against the project's own vocabulary or made here (numbers, an ISO instant, the
    pseudonym as COPY reads bytea, `\\x` and hex), so only the external id needs quoting.
    """

    def __init__(self, problems: Problems, request: ImportRequest):
        self.problems = problems
        self.request = request
        self.channels = {
            (force_slug, slug): (platform, f"{force_id},{pk},{platform}")
            for pk, force_id, force_slug, slug, platform in Channel.objects.values_list(
                "pk", "force_id", "force__slug", "slug", "platform"
            )
        }
        self.forces = set(Force.objects.values_list("slug", flat=True))
        definition = current_definition()
        self.definition_version = definition.version
        self.kinds = set(definition.kinds.values_list("slug", flat=True))
        self.unknown_kind = (
            f"is not a kind of the current definition (v{self.definition_version}: "
            f"{', '.join(sorted(self.kinds))})"
        )
        self.latest = timezone.now() + FUTURE_TOLERANCE
        adapt = connection.ops.adapt_datetimefield_value
        # PostgreSQL reads the ISO form; SQLite stores the text Django would (for the duplicate
        # rule to compare it with held rows).
        self.stored = datetime.isoformat if connection.vendor == "postgresql" else adapt
        self.pseudonymise = Pseudonymiser()
        # Europe/London changes its offset on the hour (01:00 UTC), so every instant of one UTC
        # hour is in the same London month: worked out once per hour, not once per row.
        self.months_by_hour: dict[int, int] = {}
        # The channel of each (force, channel) pair of cells found good: a file names a few.
        self.checked_channels: dict[tuple[str, str], tuple[str, str]] = {}

    def _channel(self, position: int, force_cell: str, channel_cell: str) -> tuple[str, str] | None:
        """The channel the cells name (its platform and staging columns), or None and a problem."""
        force = force_cell.strip()
        channel = self.channels.get((force, channel_cell.strip()))
        if wrong_force := self.request.force_problem(force, self.forces):
            self.problems.add(position, "force", wrong_force)
            return None
        if channel is None:
            self.problems.add(position, "channel", f"is not a channel of {force}")
            return None
        self.checked_channels[force_cell, channel_cell] = channel
        return channel

    def staged(self, seq: int, position: int, row: dict[str, str]) -> str | None:
        """The row's staging line, or None when it has a problem (added to the problems)."""
        add = self.problems.add
        before = self.problems.count
        cells = (row["force"], row["channel"])
        channel = self.checked_channels.get(cells)
        if channel is None:
            channel = self._channel(position, *cells)
        kind = row["kind"].strip()
        if kind not in self.kinds:
            add(position, "kind", self.unknown_kind)
        text = row["occurred_at"].strip()
        instant = None
        try:
            instant = parse_occurred_at(text)
        except ValueError as error:
            add(position, "occurred_at", str(error))
        if instant is not None and instant < EARLIEST:
            add(position, "occurred_at", "is before 2000-01-01")
        elif instant is not None and instant > self.latest:
            add(position, "occurred_at", "is in the future (more than 24 hours after the import)")
        citizen = row["citizen"]
        if not normalise(citizen):
            add(position, "citizen", "is empty")
        if self.problems.count != before or channel is None or instant is None:
            return None
        platform, reference = channel
        hour = int(instant.timestamp()) // 3600
        month = self.months_by_hour.get(hour)
        if month is None:
            month = self.months_by_hour[hour] = local_month_of(instant)
        pseudonym = as_text(self.pseudonymise(platform, citizen))
        external_id = row["external_id"].strip()
        if external_id:  # quoted always (an empty field is NULL, as no external id is)
            external_id = '"' + external_id.replace('"', '""') + '"'
        return (
            f"{seq},{reference},\\x{pseudonym},{kind},{self.stored(instant)},{month},"
            f"{external_id}\n"
        )


def _import(
    rows: Iterable[tuple[int, Row | None]], problems: Problems, request: ImportRequest
) -> ImportResult:
    checker = _RowChecker(problems, request)
    rows_read = 0
    with tempfile.TemporaryFile("w+", newline="", encoding="utf-8") as staging:
        lines: list[str] = []
        for position, row in rows:
            rows_read += 1
            fields = checked_row(position, row, columns=INTERACTION_COLUMNS, problems=problems)
            line = None if fields is None else checker.staged(rows_read, position, fields)
            if line is not None and not problems.count:
                lines.append(line)
                if len(lines) == STAGING_BATCH:
                    staging.write("".join(lines))
                    lines.clear()
        staging.write("".join(lines))
        if rows_read == 0 and problems.where == "index":
            problems.add(None, "body", "holds no interactions")
        if problems:
            reject(problems, kind=KIND, rows_read=rows_read, request=request)
        staging.seek(0)
        with transaction.atomic():
            created = _load(staging)
            result = ImportResult(
                rows_read=rows_read,
                created=created,
                duplicates=rows_read - created,
                dry_run=request.dry_run,
            )
            if request.dry_run:
                transaction.set_rollback(True)
            else:
                record_result(result, kind=KIND, request=request)
    if request.dry_run:
        record_result(result, kind=KIND, request=request)
    return result


# The set-based second pass. Everything below runs inside the import's transaction.

_CREATE_STAGING = {
    "postgresql": """
        CREATE TEMP TABLE ingest_staging (
            seq bigint, force_id bigint, channel_id bigint, platform varchar(16),
            pseudonym bytea, kind varchar(40), occurred_at timestamptz,
            local_month integer, external_id varchar(200)
        )""",
    "sqlite": """
        CREATE TEMP TABLE ingest_staging (
            seq integer, force_id integer, channel_id integer, platform text,
            pseudonym blob, kind text, occurred_at text, local_month integer, external_id text
        )""",
}

# The rows to add. A row with an external_id: the first of its (channel, external_id) in the
# import, and not already held. A row without one: not matching a held row, nor an earlier row of
# the import that is kept (the rows with an id that are kept, and the first of the rows without).
_SELECT_NEW = """
    WITH staged AS (
        SELECT s.seq, s.force_id, s.channel_id, c.id AS citizen_id, s.kind, s.occurred_at,
               s.local_month, s.external_id
        FROM ingest_staging s JOIN engagement_citizen c ON c.pseudonym = s.pseudonym
    ),
    kept_with_id AS (
        SELECT r.* FROM (
            SELECT staged.*,
                   MIN(seq) OVER (PARTITION BY channel_id, external_id) AS first_with_external_id
            FROM staged WHERE external_id IS NOT NULL
        ) r
        WHERE r.seq = r.first_with_external_id AND NOT EXISTS (
            SELECT 1 FROM engagement_interaction i
            WHERE i.channel_id = r.channel_id AND i.external_id = r.external_id)
    ),
    ranked AS (
        SELECT k.*,
               MIN(seq) OVER (PARTITION BY channel_id, citizen_id, kind, occurred_at)
                   AS first_at_instant
        FROM (
            SELECT seq, force_id, channel_id, citizen_id, kind, occurred_at, local_month,
                   external_id
            FROM kept_with_id
            UNION ALL
            SELECT * FROM staged WHERE external_id IS NULL
        ) k
    )
    SELECT seq, force_id, channel_id, citizen_id, kind, occurred_at, local_month, external_id
    FROM ranked r
    WHERE r.external_id IS NOT NULL OR (
        r.seq = r.first_at_instant AND NOT EXISTS (
            SELECT 1 FROM engagement_interaction i
            WHERE i.channel_id = r.channel_id AND i.citizen_id = r.citizen_id
              AND i.kind = r.kind AND i.occurred_at = r.occurred_at))
"""


def _load(staging: IO[str]) -> int:
    """Write the staged rows; returns how many interactions were created."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        # Dropped explicitly (not ON COMMIT DROP): the import may run inside an outer transaction.
        cursor.execute("DROP TABLE IF EXISTS ingest_staging")
        cursor.execute("DROP TABLE IF EXISTS ingest_new")
        cursor.execute(_CREATE_STAGING["postgresql" if vendor == "postgresql" else "sqlite"])
        columns = ", ".join(STAGING_COLUMNS)
        if vendor == "postgresql":
            # The duplicate checks sort and hash the whole import: let them do it in memory.
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            cursor.copy_expert(
                f"COPY ingest_staging ({columns}) FROM STDIN WITH (FORMAT csv)", staging
            )
            cursor.execute("ANALYZE ingest_staging")
        else:
            placeholders = ", ".join(["%s"] * len(STAGING_COLUMNS))
            insert = f"INSERT INTO ingest_staging ({columns}) VALUES ({placeholders})"
            for batch in _batches(csv.reader(staging)):
                cursor.executemany(insert, batch)
        # Only the citizens not held yet (most of a daily import's citizens are): an upsert of
        # the others would still draw an id and probe the pseudonym index once each.
        _insert_checked(cursor, _INSERT_CITIZENS)
        cursor.execute(f"CREATE TEMP TABLE ingest_new AS {_SELECT_NEW}")
        created = _insert_checked(cursor, _INSERT_INTERACTIONS)
        cursor.execute(
            "INSERT INTO engagement_stalemonth (force_id, local_month, marked_at) "
            "SELECT DISTINCT force_id, local_month, %s FROM ingest_new WHERE true "
            "ON CONFLICT (force_id, local_month) DO UPDATE SET marked_at = excluded.marked_at",
            [connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        # Which citizens changed there: an incremental run counts only them, by difference.
        cursor.execute(_MARK_CHANGED_CITIZENS, [StaleCitizen.DIFFERENCE_BUDGET])
        cursor.execute("DROP TABLE ingest_staging")
        cursor.execute("DROP TABLE ingest_new")
    return created


# Each changed citizen of a force, or (citizen NULL: a recount) where the import changed more of
# the force's citizens than counting by difference is worth: too many to write one by one.
_MARK_CHANGED_CITIZENS = """
    INSERT INTO engagement_stalecitizen (force_id, citizen_id, local_month)
    SELECT DISTINCT n.force_id, CASE WHEN crowded.force_id IS NULL THEN n.citizen_id END,
           n.local_month
    FROM ingest_new n LEFT JOIN (
        SELECT force_id FROM ingest_new GROUP BY force_id
        HAVING COUNT(DISTINCT citizen_id) > %s
    ) crowded ON crowded.force_id = n.force_id
    WHERE true
    ON CONFLICT DO NOTHING"""


# Both inserts go in the order of their table's unique indexes, so that the B-tree inserts are
# sequential (each leaf page filled in turn, and full) rather than scattered over the index. For
# interactions, ordering by channel then external id then the other rule's columns does this for
# both partial indexes at once: the rows with an external id come first in each channel, by it,
# the rows without one after them (NULL sorts last), by citizen, kind and instant.
_INSERT_CITIZENS = """
    INSERT INTO engagement_citizen (pseudonym, platform)
    SELECT DISTINCT pseudonym, platform FROM ingest_staging s
    WHERE NOT EXISTS (SELECT 1 FROM engagement_citizen c WHERE c.pseudonym = s.pseudonym)
    ORDER BY pseudonym
    {on_conflict}"""
_INSERT_INTERACTIONS = """
    INSERT INTO engagement_interaction
        (force_id, channel_id, citizen_id, kind, occurred_at, local_month, external_id)
    SELECT force_id, channel_id, citizen_id, kind, occurred_at, local_month, external_id
    FROM ingest_new WHERE true
    ORDER BY channel_id, external_id, citizen_id, kind, occurred_at
    {on_conflict}"""


def _insert_checked(cursor, sql: str) -> int:
    """Run one of the inserts above, whose rows were checked as not held; returns rows added.

    The checks (NOT EXISTS, the duplicate rules) are the whole story unless another import
    commits the same citizen or row between the check and the insert. That is rare, so the
    insert runs without ON CONFLICT (which probes every unique index once more per row, before
    inserting): if it meets such a row, it is undone to a savepoint and run again skipping
    conflicts.
    """
    try:
        with transaction.atomic():
            cursor.execute(sql.format(on_conflict=""))
            return cursor.rowcount
    except IntegrityError:
        cursor.execute(sql.format(on_conflict="ON CONFLICT DO NOTHING"))
        return cursor.rowcount


def _batches(records: Iterator[list[str]]) -> Iterator[list[list[str | None]]]:
    batch: list[list[str | None]] = []
    for record in records:
        record[-1] = record[-1] or None  # an empty external_id is NULL, as COPY reads it
        record[4] = bytes.fromhex(record[4][2:])  # the pseudonym, as COPY reads `\x<hex>`
        batch.append(record)
        if len(batch) == STAGING_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
