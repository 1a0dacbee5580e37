"""Redis outages for the tests: an address where nothing listens, and a Redis of our own that a
test starts and stops. The Celery app and the cache are pointed at either for one test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


class DatabaseProxy:
    """A TCP proxy in front of the test PostgreSQL that a test cuts and restores: a real outage
    (refused connections, broken sessions) without stopping the server other people use.

    `cut()` closes the listening socket and every forwarded connection; `restore()` listens
    again on the same port.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    restore = start

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            sockets, self._open = self._open, set()
        if listener is not None:
            _close(listener)
        for sock in sockets:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    _close(client)
                    _close(server)
                    return
                self._open |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
