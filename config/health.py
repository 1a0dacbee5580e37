"""The probes: /healthz (alive) and /readyz (able to serve), both open without a sign-in.

/healthz only says the process answers: it touches nothing, so a restart loop never starts
because the database is slow. /readyz checks what serving needs and answers 503 with the
reasons (JSON) when something is wrong: the database answers, every migration is applied,
Redis answers where it is configured (REDIS_URL: the workers' queue and the cache), and the
published figures are not older than settings.READY_SNAPSHOT_MAX_HOURS. Having no figures yet
(a fresh install before its first recompute) is reported, not a failure.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from engagement.store.selectors import newest_publication


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, Any] = {}
    problems: list[str] = []
    checks["database"] = _database(problems)
    if checks["database"] == "ok":
        checks["migrations"] = _migrations(problems)
        checks["figures"] = _figures(problems)
    checks["redis"] = _redis(problems)
    status = 503 if problems else 200
    return JsonResponse(
        {"status": "unavailable" if problems else "ok", "problems": problems, "checks": checks},
        status=status,
    )


def _database(problems: list[str]) -> str:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        problems.append(f"The database cannot be reached: {_first_line(error)}")
        return "unreachable"
    return "ok"


def _migrations(problems: list[str]) -> str:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        names = ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in pending)
        problems.append(f"{len(pending)} migration(s) not applied: {names}")
        return "pending"
    return "ok"


def _redis(problems: list[str]) -> str:
    if not settings.REDIS_URL:
        return "not configured (tasks run in-process)"
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=settings.REDIS_TIMEOUT_SECONDS,
        socket_timeout=settings.REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        problems.append(f"Redis cannot be reached: {_first_line(error)}")
        return "unreachable"
    finally:
        client.close()
    return "ok"


def _figures(problems: list[str]) -> dict[str, Any]:
    published = newest_publication()
    if published is None:
        return {"published_at": None, "note": "no figures published yet"}
    age = timezone.now() - published
    hours = round(age.total_seconds() / 3600, 1)
    limit = settings.READY_SNAPSHOT_MAX_HOURS
    if limit and age > timedelta(hours=limit):
        problems.append(
            f"The published figures are {hours} hours old (more than {limit:g}): "
            "the nightly recompute has not succeeded since."
        )
    return {"published_at": published.isoformat(), "age_hours": hours}


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
