"""The product as it runs in production, started by a test: gunicorn through scripts/loadtest.py
(`loadtest.serve`, `loadtest.load`), and plain HTTP requests that report any status, body and
headers without raising."""

from __future__ import annotations

import importlib.util
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

LOADTEST = Path(settings.BASE_DIR) / "scripts" / "loadtest.py"


def _loadtest():
    spec = importlib.util.spec_from_file_location("ladder_loadtest", LOADTEST)
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loadtest = _loadtest()


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]


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
