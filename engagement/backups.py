"""Backup and restore of the whole database: what `manage.py backup` and `restore` do.

A backup is a consistent copy of a live database, taken while it serves: on PostgreSQL
`pg_dump --format=custom` (one snapshot, readers and writers carry on), on the embedded SQLite
default the online backup API. It is written beside its final name and renamed into place, so a
failed backup never leaves a file that looks whole.

A restore loads a backup into a new, empty database, never over a live one: restoring over data
would mix two histories. Before anything is loaded, the backup's pseudonym key fingerprint is
compared with the configured PSEUDONYM_KEY's (engagement.ingest.pseudonym_key): under another key
every returning citizen would be counted as new. On PostgreSQL the load is one transaction
(`pg_restore --single-transaction --exit-on-error`): all of it or nothing.

The README ("Backup and restore") has the restore drill step by step.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from engagement.ingest.pseudonym_key import check_fingerprint, held_fingerprint
from engagement.models import PseudonymKeyFingerprint

FINGERPRINT_TABLE = PseudonymKeyFingerprint._meta.db_table
POSTGRES_MAGIC = b"PGDMP"
SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupFailed(Exception):
    """A backup or restore that could not be done, with a message for the operator: nothing was
    written (no backup file; no restored table)."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    engine: str
    fingerprint: str | None  # the pseudonym key's fingerprint the copy holds

    def summary(self) -> str:
        key = f"pseudonym key {self.fingerprint[:12]}" if self.fingerprint else "no pseudonym key"
        return f"{self.path}: {self.engine} backup, {self.size:,} bytes, {key}"


def backup(*, path: Path) -> BackupResult:
    """Write a consistent copy of the configured database to `path` (which must not exist)."""
    if path.exists():
        raise BackupFailed(f"{path} already exists; give a new file name (nothing was written)")
    if not path.parent.is_dir():
        raise BackupFailed(f"{path.parent} is not a directory (nothing was written)")
    partial = path.with_name(f".{path.name}.partial")
    try:
        if _engine() == "postgresql":
            _pg_dump(partial)
        else:
            _sqlite_backup(partial)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(path, path.stat().st_size, _engine(), held_fingerprint())


def restore(*, path: Path) -> BackupResult:
    """Load the backup at `path` into the configured database, which must be new and empty.

    Refused, with nothing changed, when the file is not a backup of this database's engine, when
    the database already holds tables, or when the backup was made under another pseudonym key.
    """
    engine = _engine()
    magic = _magic(path)
    expected = POSTGRES_MAGIC if engine == "postgresql" else SQLITE_MAGIC
    if not magic.startswith(expected):
        raise BackupFailed(
            f"{path} is not a {engine} backup made by `manage.py backup` (the configured "
            f"database is {engine}); nothing was restored"
        )
    held = _backup_fingerprint(path) if engine == "postgresql" else _sqlite_fingerprint(path)
    check_fingerprint(held, refused="nothing was restored")
    tables = connection.introspection.table_names()
    if tables:
        raise BackupFailed(
            f"The database {connection.settings_dict['NAME']} is not empty ({len(tables)} "
            "tables): a backup is restored into a new, empty database only. Create one, point "
            "DATABASE_URL at it and run restore again; nothing was restored."
        )
    if engine == "postgresql":
        _pg_restore(path)
    else:
        _sqlite_restore(path)
    connection.close()
    return BackupResult(path, path.stat().st_size, engine, held)


def _engine() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            return file.read(16)
    except OSError as error:
        raise BackupFailed(f"{path}: {error.strerror}; nothing was restored") from None


# --- PostgreSQL ---------------------------------------------------------------------------------


def _client(tool: str) -> str:
    """The path of a PostgreSQL client tool no older than the server (an older pg_dump refuses
    a newer server; an older pg_restore cannot read a newer pg_dump's archive)."""
    found = shutil.which(tool)
    if found is None:
        raise BackupFailed(f"{tool} is not installed: install the PostgreSQL client tools")
    version = subprocess.run(  # noqa: S603 (a PostgreSQL tool, no shell)
        [found, "--version"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r"(\d+)\.\d+", version)
    connection.ensure_connection()
    server = connection.pg_version // 10000
    if match is None or int(match.group(1)) < server:
        raise BackupFailed(
            f"{tool} is version {match.group(1) if match else '?'} but the server is "
            f"PostgreSQL {server}: install the client tools of version {server} or newer"
        )
    return found


def _pg_environment() -> dict[str, str]:
    """The connection as libpq's variables: the password never appears on a command line."""
    db = connection.settings_dict
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
    }
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def _run(command: list[str], *, what: str) -> str:
    done = subprocess.run(  # noqa: S603 (a PostgreSQL tool, no shell)
        command, env=_pg_environment(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupFailed(f"{what} failed: {lines[0] if lines else f'exit {done.returncode}'}")
    return done.stdout


def _pg_dump(target: Path) -> None:
    _run(
        [_client("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
        + [f"--file={target}"],
        what="pg_dump",
    )


def _backup_fingerprint(path: Path) -> str | None:
    """The fingerprint row of a custom-format backup, read without restoring it."""
    script = _run(
        [_client("pg_restore"), "--data-only", f"--table={FINGERPRINT_TABLE}", "--file=-"]
        + [str(path)],
        what="pg_restore (reading the backup)",
    )
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith(f"COPY public.{FINGERPRINT_TABLE} "):
            columns = [name.strip() for name in line.split("(", 1)[1].split(")", 1)[0].split(",")]
            first = next(lines, "\\.")
            if first == "\\.":
                return None
            return dict(zip(columns, first.split("\t"), strict=True))["fingerprint"]
    return None  # a backup made before fingerprints were kept


def _pg_restore(path: Path) -> None:
    _run(
        [_client("pg_restore"), "--single-transaction", "--exit-on-error", "--no-owner"]
        + ["--no-privileges", f"--dbname={connection.settings_dict['NAME']}", str(path)],
        what="pg_restore",
    )


# --- SQLite -------------------------------------------------------------------------------------


def _sqlite_backup(target: Path) -> None:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
    finally:
        copy.close()


def _sqlite_fingerprint(path: Path) -> str | None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = source.execute(f"SELECT fingerprint FROM {FINGERPRINT_TABLE}").fetchone()  # noqa: S608
    except sqlite3.OperationalError:  # a backup made before fingerprints were kept
        return None
    finally:
        source.close()
    return row[0] if row else None


def _sqlite_restore(path: Path) -> None:
    connection.close()
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()
