"""The product as it runs in production, started by a test: gunicorn serving config.wsgi on a
loopback port, against a database URL of the test's choosing (the test database, or a proxy in
front of it), and plain HTTP requests to it that report any status without raising."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from tests.outage_helpers import free_port
from tests.processes import stop


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]


class Gunicorn:
    """`gunicorn -c python:config.gunicorn config.wsgi`, as the compose file starts it."""

    def __init__(self, log: Path, *, database_url: str, workers: int = 1, **env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn", "config.wsgi"],
            cwd=Path(settings.BASE_DIR),
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while get(f"{self.url}/healthz").status != 200:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start within 60s"
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None


def get(url: str, *, cookies: dict[str, str] | None = None, timeout: float = 30) -> Answer:
    request = urllib.request.Request(url)  # noqa: S310 (a loopback http:// URL)
    if cookies:
        request.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Answer(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode(), dict(error.headers))
    except OSError as error:
        return Answer(0, str(error), {})
