"""Counting in DuckDB: the SQL of counting.py and mobility.py, run on a copy of one force's data.

Why: a full recompute groups every interaction by citizen several times over (moments, states,
step 4, mobility). PostgreSQL does each of those groupings row by row; a columnar engine does
them on vectors, several times faster, so a full run costs a few passes over the data instead of
a hundred (issue #23, docs/performance.md). Incremental runs touch little data and stay in
PostgreSQL, which also keeps the SQLite fallback working as it did.

How: `force_engine` opens an in-memory DuckDB database whose tables carry the PostgreSQL names
and the columns the counting SQL reads, filled with the force's rows by `COPY ... TO STDOUT`. The
counting functions then run there, unchanged (`engine=`: see counting.Engine). On a clean exit
the force's rows of the four tables they write (the two rollups, the distribution and the pairs)
are replaced in PostgreSQL by `COPY ... FROM STDIN`, inside the caller's transaction: a step that
fails leaves PostgreSQL as it was.

DuckDB's memory limit and threads are set so that the worker stays well under 300 MB (it spills
to a temporary folder rather than grow); the data pass through temporary CSV files, never
through Python objects, and nothing here logs a row (identifiers are personal data).
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import duckdb
from django.conf import settings
from django.db import connection

# What DuckDB may use: the rest of the worker (Django, psycopg2) takes about 100 MB, and DuckDB
# goes past its limit by some tens of MB (160 MB made a 301 MB worker at 1M, 128 MB 275 MB).
MEMORY_LIMIT = "128MB"
THREADS = 2

# What a force too big for that limit raises: the caller counts it in the database instead.
OutOfMemory = duckdb.OutOfMemoryException


@dataclass(frozen=True)
class Table:
    """A PostgreSQL table as DuckDB holds it: the columns the counting reads or writes (with
    their DuckDB types), and the PostgreSQL condition that selects one force's rows."""

    name: str
    columns: str
    rows: str

    @property
    def column_names(self) -> list[str]:
        return [column.split()[0] for column in self.columns.split(",")]


# Copied in: the force's interactions, channels and person table, and the version's kinds.
INPUTS = (
    Table(
        "engagement_interaction",
        "force_id BIGINT, channel_id BIGINT, citizen_id BIGINT, kind VARCHAR, "
        "occurred_at TIMESTAMP, local_month INTEGER",
        "force_id = %(force)s",
    ),
    Table("forces_channel", "id BIGINT, force_id BIGINT, platform VARCHAR", "force_id = %(force)s"),
    Table(
        "engagement_linkedcitizen",
        "force_id BIGINT, citizen_id BIGINT, person BIGINT",
        "force_id = %(force)s",
    ),
    Table(
        "engagement_interactionkind",
        "definition_id BIGINT, slug VARCHAR, rung_id BIGINT, lasting BOOLEAN, ended_by VARCHAR",
        "definition_id = %(definition)s",
    ),
    Table("engagement_rung", "id BIGINT, position INTEGER", "definition_id = %(definition)s"),
)

# Written by the counting, copied back in place of the force's rows. The states' `id` only
# exists for rebuild_states' bookkeeping (always empty here: a full rebuild has no old rows).
OUTPUTS = (
    Table(
        "engagement_citizenmonth",
        "definition_id BIGINT, force_id BIGINT, channel_id BIGINT, citizen_id BIGINT, "
        "month INTEGER, rung_position INTEGER",
        "definition_id = %(definition)s AND force_id = %(force)s",
    ),
    Table(
        "engagement_lastingstate",
        "definition_id BIGINT, force_id BIGINT, channel_id BIGINT, citizen_id BIGINT, "
        "kind VARCHAR, rung_position INTEGER, opened_month INTEGER, closed_month INTEGER",
        "definition_id = %(definition)s AND force_id = %(force)s",
    ),
    Table(
        "engagement_distribution",
        "snapshot_id BIGINT, period_type VARCHAR, period VARCHAR, period_start DATE, "
        "scope VARCHAR, force_id BIGINT, channel_id BIGINT, platform VARCHAR, "
        "rung_position INTEGER, citizens BIGINT",
        "snapshot_id = %(snapshot)s AND force_id = %(force)s",
    ),
    Table(
        "engagement_transition",
        "snapshot_id BIGINT, period_type VARCHAR, from_period VARCHAR, to_period VARCHAR, "
        "force_id BIGINT, from_rung INTEGER, to_rung INTEGER, citizens BIGINT",
        "snapshot_id = %(snapshot)s AND force_id = %(force)s",
    ),
)
STATE_IDS = "ALTER TABLE engagement_lastingstate ADD COLUMN id BIGINT"

# CSV both ways, NULL spelt \N so that an empty string stays an empty string.
PG_CSV = r"(FORMAT csv, NULL '\N')"
DUCK_CSV = (
    r"""(FORMAT csv, HEADER false, DELIMITER ',', QUOTE '"', ESCAPE '"', NULLSTR '\N', """
    "ALLOW_QUOTED_NULLS false, AUTO_DETECT false)"
)
DUCK_CSV_OUT = r"(FORMAT csv, HEADER false, NULLSTR '\N')"

PARAMETER = re.compile(r"%\((\w+)\)s")

# How a column is read out of PostgreSQL where not as itself: an instant as UTC without its
# offset, which DuckDB's TIMESTAMP takes as it is (the counting only orders instants).
READ_AS = {"occurred_at": "occurred_at AT TIME ZONE 'UTC'"}


class DuckDBEngine:
    """A DuckDB database holding one force's copy, with cursors that take the counting SQL as
    written for PostgreSQL (%(name)s parameters, integer division)."""

    def __init__(self, database: duckdb.DuckDBPyConnection):
        self.database = database

    @contextmanager
    def cursor(self) -> Iterator[DuckDBCursor]:
        yield DuckDBCursor(self.database)


class DuckDBCursor:
    """The part of a DB-API cursor the counting uses: execute, fetchone and rowcount."""

    def __init__(self, database: duckdb.DuckDBPyConnection):
        self.database = database
        self.rowcount = -1

    def execute(self, sql: str, params: dict | None = None) -> None:
        params = params or {}
        used = {name: params[name] for name in set(PARAMETER.findall(sql))}
        self.database.execute(PARAMETER.sub(r"$\1", sql), used)
        if sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "DELETE"):
            (self.rowcount,) = self.database.fetchone()

    def fetchone(self) -> tuple | None:
        return self.database.fetchone()


def uses_duckdb() -> bool:
    """Whether full recounts run in DuckDB: settings.COUNTING_ENGINE, on PostgreSQL only (the
    data are copied out of PostgreSQL with COPY)."""
    return settings.COUNTING_ENGINE == "duckdb" and connection.vendor == "postgresql"


def engine_for(
    *, definition_id: int, force_id: int, snapshot_id: int, full: bool
) -> AbstractContextManager[DuckDBEngine | None]:
    """The engine one force step counts with, as a context manager: DuckDB for a full recount
    when the setting says so, else None (Django's database, as the counting functions default)."""
    if not (full and uses_duckdb() and _big_enough(force_id)):
        return nullcontext(None)
    return force_engine(definition_id=definition_id, force_id=force_id, snapshot_id=snapshot_id)


def _big_enough(force_id: int) -> bool:
    """Whether the force holds settings.COUNTING_DUCKDB_FROM interactions: below that, DuckDB's
    fixed cost per statement and copy makes it slower than the database (counted no further)."""
    least = settings.COUNTING_DUCKDB_FROM
    if least <= 0:
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM engagement_interaction WHERE force_id = %s "
            "LIMIT %s) held",
            [force_id, least],
        )
        (held,) = cursor.fetchone()
    return held >= least


_thread = threading.local()


def _database() -> duckdb.DuckDBPyConnection:
    """This thread's DuckDB database, opened on first use and kept: opening one costs more than
    counting a small force. It holds no table between force steps."""
    if getattr(_thread, "database", None) is None:
        _thread.spill = tempfile.TemporaryDirectory(prefix="ladder-duckdb-spill-")
        _thread.database = duckdb.connect(
            config={
                "memory_limit": MEMORY_LIMIT,
                "threads": THREADS,
                "temp_directory": _thread.spill.name,
            }
        )
        # / on integers as PostgreSQL's; the rows' order is never relied on.
        _thread.database.execute(
            "SET integer_division = true; SET preserve_insertion_order = false"
        )
    return _thread.database


@contextmanager
def force_engine(*, definition_id: int, force_id: int, snapshot_id: int) -> Iterator[DuckDBEngine]:
    """A DuckDB copy of one force's inputs; on a clean exit, its results replace the force's
    rows in PostgreSQL (in the caller's transaction)."""
    params = {"definition": definition_id, "force": force_id, "snapshot": snapshot_id}
    tables = (*INPUTS, *OUTPUTS)
    database = _database()
    with tempfile.TemporaryDirectory(prefix="ladder-duckdb-") as folder:
        database.execute(
            "".join(f"CREATE OR REPLACE TABLE {t.name} ({t.columns}); " for t in tables) + STATE_IDS
        )
        try:
            for table in INPUTS:
                _copy_in(database, table, params, Path(folder) / f"{table.name}.csv")
            yield DuckDBEngine(database)
            for table in OUTPUTS:
                _copy_back(database, table, params, Path(folder) / f"{table.name}.csv")
        finally:
            database.execute("".join(f"DROP TABLE IF EXISTS {t.name}; " for t in tables))


def _copy_in(database: duckdb.DuckDBPyConnection, table: Table, params: dict, path: Path):
    """The force's rows of a PostgreSQL table into its DuckDB namesake, through a CSV file."""
    columns = ", ".join(READ_AS.get(name, name) for name in table.column_names)
    with connection.cursor() as cursor, path.open("wb") as out:
        select = cursor.mogrify(
            f"SELECT {columns} FROM {table.name} WHERE {table.rows}", params
        ).decode()
        cursor.copy_expert(f"COPY ({select}) TO STDOUT WITH {PG_CSV}", out)
    if path.stat().st_size:
        database.execute(f"COPY {table.name} FROM '{path}' {DUCK_CSV}")


def _copy_back(database: duckdb.DuckDBPyConnection, table: Table, params: dict, path: Path):
    """Replace the force's rows of a PostgreSQL table by those DuckDB wrote, through a CSV file."""
    columns = ", ".join(table.column_names)
    database.execute(f"COPY (SELECT {columns} FROM {table.name}) TO '{path}' {DUCK_CSV_OUT}")
    with connection.cursor() as cursor, path.open("rb") as source:
        cursor.execute(f"DELETE FROM {table.name} WHERE {table.rows}", params)
        cursor.copy_expert(f"COPY {table.name} ({columns}) FROM STDIN WITH {PG_CSV}", source)
