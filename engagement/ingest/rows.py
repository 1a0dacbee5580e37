"""What every import shares: reading rows, collecting problems, and the audit record.

An import reads every row before it writes anything. Problems are collected (up to a cap, with a
count of the rest) rather than raised at the first one, so a person fixes a file in one go.
A problem names where it is (`line N` of a file, `index N` of an API request), the column, and
what is wrong. It never quotes a cell's value: when a column is shifted or a file has the wrong
layout, any cell may hold a citizen's identifier, and problems are shown, returned by the API and
kept on the import record. A message may name only values it has checked against the project's
own vocabulary (a known force, the platforms, the kinds of the current definition), and column
or field names.
"""

from __future__ import annotations

import csv
import functools
import logging
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import IO, Any, NoReturn, ParamSpec, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from structlog.contextvars import bound_contextvars

from engagement.ingest.pseudonym_key import WrongPseudonymKey, ensure_pseudonym_key
from engagement.models import ImportBatch

logger = logging.getLogger(__name__)

MAX_PROBLEMS = 100
PROGRESS_EVERY_BYTES = 1 << 20

Row = dict[str, Any]
Progress = Callable[[int], None]
P = ParamSpec("P")
R = TypeVar("R")

DATABASE_LOST = (
    "The database connection was lost during the import; nothing was written. "
    "Try again in a moment."
)

Importer = TypeVar("Importer", bound=Callable[..., Any])


def logged_import(importer: Importer) -> Importer:
    """Give every line logged during an import one import id (settings, "Logs"), so that an
    import's lines can be found together; the lines never hold a citizen's identifier."""

    @wraps(importer)
    def run(*args: Any, **kwargs: Any) -> Any:
        with bound_contextvars(import_id=uuid.uuid4().hex):
            filename = kwargs.get("request", DEFAULT_REQUEST).filename
            logger.info("Import started (%s, %s)", importer.__name__, filename or "-")
            return importer(*args, **kwargs)

    return run  # type: ignore[return-value]


@dataclass(frozen=True)
class ImportRequest:
    """Who asks for an import, and how: everything an importer is given besides its rows.

    `filename`, `user` and `origin` go on the import's audit record; `dry_run` checks and counts
    but writes nothing; `forces` limits the forces rows may name (a force data manager's), None
    allows every force; `progress`, if given, is called with the bytes of a CSV file read since
    its last call.
    """

    filename: str = ""
    dry_run: bool = False
    user: AbstractBaseUser | None = None
    origin: str = ImportBatch.Source.COMMAND
    forces: Collection[str] | None = None
    progress: Progress | None = None

    def force_problem(self, force: str, known: Collection[str]) -> str | None:
        """What is wrong with a row's force, given the slugs of the known forces; None if
        nothing is."""
        if force not in known:
            return "is not the slug of a known force"
        if self.forces is not None and force not in self.forces:
            # A known force's slug (checked above), so naming it quotes no one.
            return f"'{force}' is not one of your forces; you may import only for your own"
        return None


DEFAULT_REQUEST = ImportRequest()


@dataclass(frozen=True)
class Column:
    name: str
    max_length: int
    required: bool = True


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an import: where (`line` or `index` and a number), column, what."""

    where: str
    position: int | None  # None: the problem is with the whole request
    field: str
    message: str

    def __str__(self) -> str:
        if self.position is None:
            return f"{self.field}: {self.message}"
        return f"{self.where} {self.position}: {self.field}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {self.where: self.position, "field": self.field, "message": self.message}


class Problems:
    """The problems of one import: the first MAX_PROBLEMS kept, the rest only counted."""

    def __init__(self, where: str, cap: int = MAX_PROBLEMS):
        self.where = where
        self.cap = cap
        self.kept: list[Problem] = []
        self.count = 0

    def add(self, position: int | None, field: str, message: str) -> None:
        self.count += 1
        if len(self.kept) < self.cap:
            self.kept.append(
                Problem(self.where, position, without_nul(field), without_nul(message))
            )

    @property
    def more(self) -> int:
        return self.count - len(self.kept)

    def __bool__(self) -> bool:
        return self.count > 0

    def __len__(self) -> int:
        return self.count


class ImportRejected(Exception):
    """Raised when any row is bad: nothing from the file or request was written."""

    def __init__(self, problems: Problems, rows_read: int = 0):
        self.details = list(problems.kept)
        self.problems = [str(problem) for problem in problems.kept]
        self.more = problems.more
        self.rows_read = rows_read
        super().__init__(f"{len(problems)} problem(s); nothing was written")

    def report_lines(self) -> list[str]:
        """The problems as a person reads them, with the count of those not listed."""
        lines = list(self.problems)
        if self.more:
            lines.append(f"… and {self.more} more problem(s) not listed")
        return lines


class ImportFailed(Exception):
    """The import could not finish (the database went away, or another pseudonym key): nothing
    was written."""


class DatabaseLost(ImportFailed):
    """The import lost its database connection: nothing was written, and it may run again once
    the database is back."""


def guarded(importer: Callable[P, R]) -> Callable[P, R]:
    """An import whose lost database connection is ImportFailed with a message, not a traceback,
    and that runs only under the pseudonym key the database was made with.

    The transaction is gone with the connection, so nothing was written. Outside a transaction
    the dead connection is closed, so the page that reports the failure can query again.
    Under another PSEUDONYM_KEY (engagement.ingest.pseudonym_key) every returning citizen would
    be new: the import is ImportFailed, saying why, before it reads a row.
    """

    @functools.wraps(importer)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            ensure_pseudonym_key()
            return importer(*args, **kwargs)
        except WrongPseudonymKey as wrong:
            logger.warning("import refused: %s", wrong)
            raise ImportFailed(str(wrong)) from wrong
        except (OperationalError, InterfaceError) as error:
            logger.warning(
                "import failed: the database connection was lost (%s)", type(error).__name__
            )
            if not connection.in_atomic_block:
                connection.close()
            raise DatabaseLost(DATABASE_LOST) from error

    return run


def import_service(importer: Importer) -> Importer:
    """An import function as every one is run: logged under one import id, and guarded (a lost
    database connection, or another pseudonym key than the database's, is ImportFailed)."""
    return guarded(logged_import(importer))


class LineTooLong(Exception):
    def __init__(self, line: int, limit: int):
        self.line = line
        self.limit = limit


@dataclass(frozen=True)
class ImportResult:
    rows_read: int
    created: int
    duplicates: int
    dry_run: bool = False
    updated: int = 0  # rows that change what is held (a route imported again with new values)

    def summary(self) -> str:
        verb = "would be created" if self.dry_run else "created"
        changed = ""
        if self.updated:
            changed = f"{self.updated} {'would be updated' if self.dry_run else 'updated'}, "
        text = (
            f"{self.rows_read} row(s) read, {self.created} {verb}, {changed}"
            f"{self.duplicates} duplicate(s) skipped"
        )
        return f"Dry run (nothing written): {text}" if self.dry_run else text


def without_nul(text: str) -> str:
    """NUL written as `\\x00`: PostgreSQL cannot store it in text or JSON, and a header or a JSON
    key holding one is repeated in its problem, which the import record keeps."""
    return text.replace("\x00", "\\x00")


def csv_rows(
    source: IO[bytes],
    *,
    columns: tuple[Column, ...],
    problems: Problems,
    progress: Progress | None = None,
    other_columns: bool = False,
) -> Iterator[tuple[int, Row | None]]:
    """The data rows of a CSV file as (line number, {column: text}), streamed.

    Header problems (missing, unknown or repeated columns) stop the reading: no row can be
    understood. With `other_columns`, columns besides `columns` are read too and not a problem
    (another tool's export, read through an import profile, carries many Ladder does not use).
    Rows with invalid UTF-8 or the wrong number of values are reported and come as None;
    every other check is the caller's. A byte-order mark and CRLF line ends are accepted.
    A line longer than IMPORT_MAX_LINE_BYTES stops the reading too: it is not a CSV file, and
    would otherwise be read whole into memory.
    """
    bad_lines: list[int] = []  # the lines _decoded_lines could not decode
    reader = csv.reader(_decoded_lines(source, progress, bad_lines))
    try:
        yield from _records(reader, bad_lines, columns, problems, other_columns)
    except LineTooLong as error:
        problems.add(
            error.line,
            "row",
            f"is longer than {error.limit:,} bytes (the longest line an import reads); "
            "is this a CSV file?",
        )


def _records(
    reader: Iterator[list[str]],
    bad_lines: list[int],
    columns: tuple[Column, ...],
    problems: Problems,
    other_columns: bool = False,
) -> Iterator[tuple[int, Row | None]]:
    header = _next_record(reader, problems)
    if header is None:
        expected = ",".join(column.name for column in columns if column.required)
        problems.add(1, "file", f"is empty (expected a header line: {expected})")
        return
    if bad_lines:
        problems.add(1, "header", "is not valid UTF-8")
        return
    names = [name.strip() for name in header]
    if not _header_is_valid(names, columns, problems, other_columns):
        return
    rows = 0
    while True:
        start = reader.line_num + 1
        bad_lines.clear()
        record = _next_record(reader, problems, start)
        if record is None:
            break
        if not record:
            continue  # a blank line
        rows += 1
        if len(record) != len(names):
            problems.add(
                start, "row", f"has {len(record)} values but the header has {len(names)} columns"
            )
            yield start, None
            continue
        row = dict(zip(names, record, strict=True))
        if bad_lines:
            for name, value in row.items():
                if _has_undecodable(value):
                    problems.add(start, name, "is not valid UTF-8")
            yield start, None
            continue
        yield start, row
    if rows == 0:
        problems.add(reader.line_num + 1, "file", "has a header but no rows")


def checked_row(
    position: int, row: Row | None, *, columns: tuple[Column, ...], problems: Problems
) -> dict[str, str] | None:
    """The row if every value is text of an acceptable length (absent optional ones as "").

    The same checks serve a CSV file and a JSON request, whose objects may miss a key, carry an
    unknown one, or hold a number where text belongs. None is a row the reader already reported.
    """
    if row is None:
        return None
    if not isinstance(row, dict):
        problems.add(position, "row", "must be an object with the interaction's fields")
        return None
    names, spec = _shape(columns)
    clean = _clean(row, names, spec)
    if clean is not None:
        return clean
    # Something is wrong: go through the row again, saying what.
    before = problems.count
    clean = {}
    if not row.keys() <= names:
        for name in sorted(map(str, row.keys() - names)):
            problems.add(position, name[:40], "is not a known field")
    for column in columns:
        value = row.get(column.name)
        if value is None:
            if column.required:
                problems.add(position, column.name, "is missing")
            clean[column.name] = ""
        elif not isinstance(value, str):
            problems.add(position, column.name, "must be text")
        elif len(value) > column.max_length:
            problems.add(position, column.name, f"is longer than {column.max_length} characters")
        elif "\x00" in value:
            problems.add(position, column.name, "contains a NUL character")
        else:
            clean[column.name] = value
    return clean if problems.count == before else None


_SHAPES: dict[
    int, tuple[tuple[Column, ...], frozenset[str], tuple[tuple[str, int, bool], ...]]
] = {}


def _shape(
    columns: tuple[Column, ...],
) -> tuple[frozenset[str], tuple[tuple[str, int, bool], ...]]:
    """The column names and (name, max_length, required) of a columns tuple, worked out once.

    Keyed by identity: the tuples are module constants, and hashing their dataclasses for every
    row of a million-row import costs more than checking the row.
    """
    shape = _SHAPES.get(id(columns))
    if shape is None or shape[0] is not columns:
        names = frozenset(column.name for column in columns)
        spec = tuple((column.name, column.max_length, column.required) for column in columns)
        shape = _SHAPES[id(columns)] = (columns, names, spec)
    return shape[1], shape[2]


def _clean(
    row: dict, names: frozenset[str], spec: tuple[tuple[str, int, bool], ...]
) -> dict[str, str] | None:
    """The row with absent optional values as "", when nothing at all is wrong; else None.

    A row with every column, all text (a CSV file's, always) is returned as it is, not copied:
    the checks are the whole cost of a million-row import's rows then.
    """
    if not row.keys() <= names:
        return None
    complete = len(row) == len(spec)
    for name, max_length, required in spec:
        value = row.get(name)
        if value is None:
            if required:
                return None
            complete = False
        elif type(value) is not str or len(value) > max_length or "\x00" in value:
            return None
    if complete:
        return row
    return {name: row.get(name) or "" for name, _, _ in spec}


# The record an import run by the worker fills in (the upload page created it, queued), rather
# than a new one: the page follows that record's progress to its outcome.
_filling: ContextVar[ImportBatch | None] = ContextVar("filling", default=None)


@contextmanager
def filling(batch: ImportBatch) -> Iterator[None]:
    """Imports run inside record their outcome on `batch` instead of a new ImportBatch."""
    token = _filling.set(batch)
    try:
        yield
    finally:
        _filling.reset(token)


def record_batch(
    *,
    kind: str,
    origin: str,
    filename: str,
    user: AbstractBaseUser | None,
    status: str,
    rows_read: int = 0,
    created: int = 0,
    duplicates: int = 0,
    problems: list[str] | None = None,
) -> ImportBatch:
    """The audit record of an import. Problems never hold identifiers, so they may be kept."""
    outcome = {
        "finished_at": timezone.now(),
        "status": status,
        "rows_read": rows_read,
        "created": created,
        "duplicates": duplicates,
        "problems": problems or [],
    }
    batch = _filling.get()
    if batch is not None:
        for name, value in outcome.items():
            setattr(batch, name, value)
        batch.save(update_fields=list(outcome))
        return batch
    return ImportBatch.objects.create(
        kind=kind,
        source=origin,
        filename=without_nul(filename)[:255],
        user=user if user is not None and user.is_authenticated else None,
        **outcome,
    )


def record_result(result: ImportResult, *, kind: str, request: ImportRequest) -> ImportBatch:
    """Record and log an import that went through (or would have, for a dry run)."""
    origin, filename = request.origin, request.filename
    logger.info("%s import (%s, %s): %s", kind, origin, filename or "-", result.summary())
    return record_batch(
        kind=kind,
        origin=origin,
        filename=filename,
        user=request.user,
        status=ImportBatch.Status.DRY_RUN if result.dry_run else ImportBatch.Status.SUCCEEDED,
        rows_read=result.rows_read,
        created=result.created,
        duplicates=result.duplicates,
    )


def reject(problems: Problems, *, kind: str, rows_read: int, request: ImportRequest) -> NoReturn:
    """Record a rejected import (its problems, never its rows) and raise ImportRejected."""
    rejected = ImportRejected(problems, rows_read=rows_read)
    origin, filename = request.origin, request.filename
    record_batch(
        kind=kind,
        origin=origin,
        filename=filename,
        user=request.user,
        status=ImportBatch.Status.REJECTED,
        rows_read=rows_read,
        problems=rejected.report_lines(),
    )
    logger.info(
        "%s import (%s, %s) rejected: %d problem(s)", kind, origin, filename or "-", len(problems)
    )
    raise rejected


def reject_if_problems(
    problems: Problems, *, kind: str, rows_read: int, request: ImportRequest
) -> None:
    """Once every row is read: a file with no rows is a problem, and any problem rejects the
    import (recorded, ImportRejected raised) before anything is written."""
    if rows_read == 0 and not problems:
        problems.add(1, "file", "has no rows")
    if problems:
        reject(problems, kind=kind, rows_read=rows_read, request=request)


def check_url(position: int, value: str, problems: Problems, *, field: str = "url") -> None:
    """An optional URL column: empty, or a URL (a problem otherwise, never quoting the cell)."""
    if not value:
        return
    try:
        URLValidator()(value)
    except ValidationError:
        problems.add(position, field, "is not a URL")


def _decoded_lines(
    source: IO[bytes], progress: Progress | None, bad_lines: list[int]
) -> Iterator[str]:
    """Lines as text. Invalid UTF-8 is kept as surrogate escapes and noted, to report by column."""
    unreported = 0
    for number, raw in enumerate(_raw_lines(source, settings.IMPORT_MAX_LINE_BYTES), start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "surrogateescape")
            bad_lines.append(number)
        if progress is not None:
            unreported += len(raw)
            if unreported >= PROGRESS_EVERY_BYTES:
                progress(unreported)
                unreported = 0
        yield text
    if progress is not None and unreported:
        progress(unreported)


def _raw_lines(source: IO[bytes], limit: int) -> Iterator[bytes]:
    """The lines of `source`, each read with `limit` bytes at most, so a file that is one long
    line never sits whole in memory."""
    number = 0
    while raw := source.readline(limit + 1):
        number += 1
        if len(raw) > limit:
            raise LineTooLong(number, limit)
        yield raw


def _next_record(reader, problems: Problems, start: int = 1) -> list[str] | None:
    while True:
        try:
            return next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            problems.add(start, "row", f"is not valid CSV ({error})")
            start = reader.line_num + 1


def _header_is_valid(
    names: list[str], columns: tuple[Column, ...], problems: Problems, other_columns: bool
) -> bool:
    known = [column.name for column in columns]
    if not set(names) & set(known) and not other_columns:
        # Most likely a file without its header: the first row is data, possibly a citizen's
        # identifier, so it is not repeated.
        problems.add(
            1,
            "header",
            f"names none of the expected columns ({', '.join(known)}); is the header line missing?",
        )
        return False
    before = problems.count
    for column in columns:
        if column.required and column.name not in names:
            problems.add(1, column.name, "column is missing from the header")
    for name in dict.fromkeys(names):
        if name not in known:
            if not other_columns:
                problems.add(
                    1,
                    name[:40] or "(blank)",
                    f"is not a known column (expected {', '.join(known)})",
                )
        elif names.count(name) > 1:
            problems.add(1, name, "column appears more than once")
    return problems.count == before


def _has_undecodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
