#!/usr/bin/env python3
"""Ladder's load test: `make loadtest`. N readers on the main pages and the API, against gunicorn.

    DATABASE_URL=postgres://... [LOADTEST_READERS=8] [LOADTEST_REQUESTS=400] make loadtest
    .venv/bin/python scripts/loadtest.py --readers 16 --requests 1000
    .venv/bin/python scripts/loadtest.py --url https://ladder.example --session SESSIONID

Without --url it starts gunicorn (config/gunicorn.py, WEB_CONCURRENCY workers, default 2 per
core) on a free loopback port against the configured database, signs in a reader of its own
(`loadtest-reader`, an analyst) with a session made in the database, picks the pages from the
data (the overview, a force page, the comparison, the definition, and the API's forces,
distributions and mobility), warms every worker, then sends REQUESTS GETs shared by READERS
threads. It prints, for each address and overall, the requests, p50, p95 and p99 in
milliseconds, and every answer other than 200; it exits 1 when any answer was not 200.

Other code uses it as a module (scripts/bench for its page figures, tests/test_readers_during_
writes.py for its readers): `load()` measures a running server, `serve()` starts one,
`reader_session()` signs a reader in, `default_paths()` picks the addresses. Load it with
importlib (it is a script, not a package):

    spec = importlib.util.spec_from_file_location("loadtest", "scripts/loadtest.py")
    loadtest = sys.modules["loadtest"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loadtest)

Nothing here writes to the database but the reader's user and session.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READER = "loadtest-reader"


@dataclass
class PathFigures:
    """The answers of one address: how many, how fast, and which were not 200."""

    requests: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


@dataclass
class LoadReport:
    readers: int
    seconds: float
    by_path: dict[str, PathFigures]
    overall: PathFigures
    failures: list[str] = field(default_factory=list)  # "path: status" of the first 20 failures
    statuses: dict[str, int] = field(default_factory=dict)  # every status seen, counted

    @property
    def errors(self) -> int:
        return self.overall.errors

    def lines(self) -> list[str]:
        width = max(len(path) for path in [*self.by_path, "overall"])
        rate = self.overall.requests / self.seconds if self.seconds else 0.0
        out = [
            f"{self.overall.requests} requests from {self.readers} readers in "
            f"{self.seconds:.1f}s ({rate:.0f}/s); statuses {self.statuses}",
            f"{'address':<{width}}  {'requests':>8}  {'p50 ms':>8}  {'p95 ms':>8}  "
            f"{'p99 ms':>8}  {'errors':>6}",
        ]
        for path, figures in [*self.by_path.items(), ("overall", self.overall)]:
            out.append(
                f"{path:<{width}}  {figures.requests:>8}  {figures.p50_ms:>8.1f}  "
                f"{figures.p95_ms:>8.1f}  {figures.p99_ms:>8.1f}  {figures.errors:>6}"
            )
        out.extend(f"not 200: {failure}" for failure in self.failures)
        return out


def percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _figures(timings: list[float], errors: int) -> PathFigures:
    return PathFigures(
        requests=len(timings),
        p50_ms=percentile(timings, 50) * 1000,
        p95_ms=percentile(timings, 95) * 1000,
        p99_ms=percentile(timings, 99) * 1000,
        errors=errors,
    )


def get(url: str, cookie: str = "", timeout: float = 60) -> int | str:
    """The status of a GET (its body read), or the network error as text."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code
    except OSError as error:
        return f"{type(error).__name__}: {error}"


def load(
    base_url: str,
    paths: list[str],
    *,
    readers: int = 8,
    requests: int | None = 400,
    until: Callable[[], bool] | None = None,
    cookie: str = "",
    warm: int = 0,
    seed: int = 3,
) -> LoadReport:
    """GETs of `paths` on `base_url` from `readers` threads at once, timed.

    Either `requests` GETs in all (the paths shuffled, equally often), or, with `until`, GETs in
    turn until `until()` is true (the readers-during-writes test stops them when its writes end).
    `warm` GETs of each path first, not counted: every gunicorn worker loads its code and its
    cache, as after a publish in production.
    """
    for path in paths:
        for _ in range(warm):
            get(base_url + path, cookie)
    work: list[str] = []
    if until is None:
        work = [path for path in paths for _ in range(max(1, (requests or 0) // len(paths)))]
        random.Random(seed).shuffle(work)  # noqa: S311 (an order, not a secret)
    timings: dict[str, list[float]] = {path: [] for path in paths}
    errors: dict[str, int] = dict.fromkeys(paths, 0)
    statuses: dict[str, int] = {}
    failures: list[str] = []
    lock = threading.Lock()
    turn = iter(range(10**12))

    def next_path() -> str | None:
        with lock:
            if until is None:
                return work.pop() if work else None
            return None if until() else paths[next(turn) % len(paths)]

    def reader() -> None:
        while (path := next_path()) is not None:
            started = time.perf_counter()
            status = get(base_url + path, cookie)
            elapsed = time.perf_counter() - started
            with lock:
                timings[path].append(elapsed)
                statuses[str(status)] = statuses.get(str(status), 0) + 1
                if status != 200:
                    errors[path] += 1
                    if len(failures) < 20:
                        failures.append(f"{path}: {status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=reader, daemon=True) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    every = [value for values in timings.values() for value in values]
    return LoadReport(
        readers=readers,
        seconds=seconds,
        by_path={path: _figures(timings[path], errors[path]) for path in paths},
        overall=_figures(every, sum(errors.values())),
        failures=failures,
        statuses=statuses,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(
    env: Mapping[str, str] | None = None, *, workers: int | None = None, log: Path | None = None
) -> Iterator[str]:
    """gunicorn (config/gunicorn.py) on a free loopback port for the block; yields its URL."""
    port = free_port()
    count = workers or int(os.environ.get("WEB_CONCURRENCY") or max(2, (os.cpu_count() or 1) * 2))
    environment = {
        **os.environ,
        **(env or {}),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(count),
    }
    output = log.open("wb") if log is not None else subprocess.DEVNULL
    server = subprocess.Popen(  # noqa: S603 (this interpreter's gunicorn)
        [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi"],
        cwd=ROOT,
        env=environment,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while get(f"{base}/healthz", timeout=2) != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"loadtest: gunicorn did not start (exit {server.poll()})")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log is not None:
            output.close()


def reader_session(username: str = READER) -> str:
    """The Cookie header of a signed-in analyst (made if missing), from a session written to the
    configured database: the load readers sign in without a password. Needs Django set up."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(Group.objects.get(name="Analysts"))
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def default_paths() -> list[str]:
    """The main pages and API reads, for a force that has channels. Needs Django set up."""
    from forces.models import Force

    force = Force.objects.filter(channels__isnull=False).order_by("slug").first()
    slug = force.slug if force is not None else "kent"
    other = Force.objects.exclude(slug=slug).order_by("slug").values_list("slug", flat=True)
    pair = ",".join([slug, *other[:1]])
    return [
        "/",
        f"/forces/{slug}/",
        f"/compare/?forces={pair}",
        "/definition/",
        "/api/v1/forces/",
        f"/api/v1/distributions/?force={slug}&scope=force",
        f"/api/v1/mobility/?force={slug}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running Ladder (default: start gunicorn here)")
    parser.add_argument("--session", help="a signed-in session id (with --url elsewhere)")
    parser.add_argument("--readers", type=int, default=int(os.environ.get("LOADTEST_READERS", "8")))
    parser.add_argument(
        "--requests", type=int, default=int(os.environ.get("LOADTEST_REQUESTS", "400"))
    )
    parser.add_argument("--path", action="append", help="an address to read (repeatable)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={args.session}" if args.session else reader_session()
    paths = args.path or default_paths()
    with serve() if args.url is None else _running(args.url) as base:
        print(f"Load test of {base}: {args.readers} readers, {args.requests} requests")
        report = load(
            base, paths, readers=args.readers, requests=args.requests, cookie=cookie, warm=4
        )
    print("\n".join(report.lines()))
    return 1 if report.errors else 0


@contextmanager
def _running(url: str) -> Iterator[str]:
    yield url.rstrip("/")


if __name__ == "__main__":
    sys.exit(main())
