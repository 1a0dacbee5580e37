"""Databases of a test's own beside the test database, and manage.py run against one of them.

PostgreSQL: a spare database is created empty (as an operator creates one to restore into) and
dropped afterwards. The shared server is never stopped: an outage is a proxy the test cuts
(tests/outage_helpers.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def database_url(name: str | None = None, *, port: int | None = None) -> str:
    """The URL of database `name` (the test database by default) on the test server, or through
    another port (a proxy's)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db["HOST"] or "127.0.0.1", port or db["PORT"] or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{name or db['NAME']}"


def _server():
    db = connection.settings_dict
    server = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )
    server.autocommit = True
    return server


@contextmanager
def spare_database(label: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for the block; its name is yielded."""
    name = f"{connection.settings_dict['NAME']}_{label}_{uuid.uuid4().hex[:8]}"
    server = _server()
    try:
        with server.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.close()


def tables_in(name: str) -> int:
    db = connection.settings_dict
    with (
        psycopg2.connect(
            dbname=name,
            user=db["USER"],
            password=db.get("PASSWORD") or None,
            host=db["HOST"],
            port=db["PORT"],
        ) as other,
        other.cursor() as cursor,
    ):
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        (count,) = cursor.fetchone()
    other.close()
    return count


def manage(*args: str, timeout: float = 300, **env: str) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in a process of its own, with `env` over this one's environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
