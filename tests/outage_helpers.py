"""Redis outages for the tests: an address where nothing listens, and a Redis of our own that a
test starts and stops. The Celery app and the cache are pointed at either for one test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import redis
from django.conf import settings
from django.test import override_settings

from config.celery import app as celery_app


def free_port() -> int:
    """A loopback port nothing listens on (the kernel just handed it out and took it back)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def nowhere() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


class SpareRedis:
    """A redis-server on its own loopback port, in memory only, that a test can stop and start."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1"]
            + ["--port", str(self.port), "--save", "", "--appendonly", "no"]
            + ["--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )
        client = self.client()
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "the spare redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=1)


@contextmanager
def celery_at(url: str) -> Iterator[None]:
    """Celery's broker (and result store) at `url`, with fresh connection pools and tasks sent
    to workers (whether or not this test run has REDIS_URL), then back."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.result_backend, conf.task_always_eager)
    _reset_pools()
    conf.broker_url = conf.result_backend = url
    conf.task_always_eager = False  # with workers, as with REDIS_URL set
    try:
        yield
    finally:
        _reset_pools()
        conf.broker_url, conf.result_backend, conf.task_always_eager = saved


def _reset_pools() -> None:
    """Close every kombu pool and forget them all (kombu keeps them in a registry by URL, so a
    pool closed but left there would be handed out again, closed)."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._local.__dict__.pop("backend", None)  # kept per thread: built again from the conf


@contextmanager
def cache_at(url: str) -> Iterator[None]:
    """The Redis cache (settings.CACHES, with its timeouts) at `url`."""
    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    caches["default"]["BACKEND"] = "config.cache.ResilientRedisCache"
    caches["default"].setdefault("OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    with override_settings(CACHES=caches):
        yield
