"""A plain `pip install .` (what the Dockerfile does, no dev extras) is enough for production:
its Celery worker reaches Redis and answers a ping, and worker and beat log JSON lines."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import stop

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("config", "api", "forces", "engagement", "dashboard", "reports")

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL is unset)"),
]


def first_lines(process: subprocess.Popen, log: Path, wanted: str, timeout: float) -> list[str]:
    """The process's log lines once one holds `wanted` (a worker or beat that started)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text()
        if wanted in text:
            return [line for line in text.splitlines() if line.strip()]
        assert process.poll() is None, text
        time.sleep(0.5)
    pytest.fail(f"no {wanted!r} within {timeout}s:\n{log.read_text()}")


def test_a_plain_pip_install_runs_a_worker_that_answers_a_ping_over_redis(tmp_path):
    source = tmp_path / "source"  # a copy: building in the work tree would leave build/ there
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("*.pyc"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    installed = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stderr
    run = tmp_path / "run"  # not the work tree: the installed packages are the ones imported
    run.mkdir()
    hostname = f"packaging-{os.getpid()}@localhost"
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": f"packaging-{os.getpid()}",
        "SECRET_KEY": "packaging-test",
        "PSEUDONYM_KEY": "packaging-test",
        "LADDER_VAR_DIR": str(run),
        "LOG_FORMAT": "json",
    }
    celery = str(venv / "bin" / "celery")
    worker_log = run / "worker.log"
    worker = subprocess.Popen(
        [celery, "-q", "-A", "config", "worker", "--hostname", hostname, "--concurrency", "1"],
        cwd=run,
        env=env,
        stdout=worker_log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        first_lines(worker, worker_log, f"{hostname} ready.", timeout=90)
        ping = subprocess.run(
            [celery, "-A", "config", "inspect", "ping", "--destination", hostname, "-t", "5"],
            cwd=run,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stop(worker)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    assert f"{hostname}: OK" in ping.stdout and "pong" in ping.stdout

    beat_log = run / "beat.log"
    beat = subprocess.Popen(
        [celery, "-q", "-A", "config", "beat", "--schedule", str(run / "beat-schedule")],
        cwd=run,
        env=env,
        stdout=beat_log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        beat_lines = first_lines(beat, beat_log, "beat: Starting", timeout=60)
    finally:
        stop(beat)
    worker_lines = [line for line in worker_log.read_text().splitlines() if line.strip()]
    logged = [json.loads(line) for line in worker_lines + beat_lines if line.startswith("{")]
    assert all(entry["event"] and entry["level"] and entry["timestamp"] for entry in logged)
    assert any(entry["event"] == f"{hostname} ready." for entry in logged)
    assert any(entry["event"].startswith("beat: Starting") for entry in logged)
    # Nothing in Celery's own format ("[2026-11-29 02:30:00,000: INFO/MainProcess] ...").
    assert not [line for line in worker_lines + beat_lines if re.match(r"\[\d{4}-", line)]
