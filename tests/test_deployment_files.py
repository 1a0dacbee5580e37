"""docker-compose.yml, the Dockerfile and .env.example, checked as far as this machine allows:
`docker compose config` validates the file where Docker Compose is installed; the structure is
checked everywhere (every service has a health check, the web's is /readyz, every variable the
settings read is documented in .env.example, gunicorn's timeout fits the upload limit)."""

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from config import gunicorn

ROOT = Path(settings.BASE_DIR)
COMPOSE = ROOT / "docker-compose.yml"
READ_FROM_ENVIRONMENT = re.compile(
    r"""(?:os\.environ\.get|env_bool|env_list|local_secret)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)
SLOW_UPLOAD_BYTES_PER_SECOND = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def documented() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_docker_compose_validates_the_file_where_it_is_installed(tmp_path):
    docker = shutil.which("docker")
    probe = docker and subprocess.run([docker, "compose", "version"], capture_output=True)
    if not probe or probe.returncode != 0:
        # No Docker Compose here: the YAML parse and the checks below stand in for it.
        assert yaml.safe_load(COMPOSE.read_text())["services"]
        return
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(tmp_path)}
    env |= {"POSTGRES_PASSWORD": "x", "SECRET_KEY": "x", "PSEUDONYM_KEY": "x"}
    done = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_every_service_has_a_health_check(compose):
    missing = [
        name
        for name, service in compose["services"].items()
        if not service.get("healthcheck", {}).get("test")
    ]
    assert missing == []


def test_the_web_is_healthy_when_ready_and_the_worker_when_it_answers_a_ping(compose):
    services = compose["services"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert services["web"]["command"] == ["gunicorn", "-c", "python:config.gunicorn", "config.wsgi"]


def test_every_variable_the_settings_and_compose_read_is_documented_in_env_example():
    read = set()
    for module in (ROOT / "config").glob("*.py"):
        read |= set(READ_FROM_ENVIRONMENT.findall(module.read_text()))
    read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "LOG_FORMAT"} <= read
    assert sorted(read - documented()) == []


def test_gunicorns_timeout_outlasts_the_largest_upload_at_a_slow_speed():
    upload_max = getattr(settings, "UPLOAD_MAX_BYTES", 512 * 1024 * 1024)
    assert gunicorn.timeout * SLOW_UPLOAD_BYTES_PER_SECOND >= upload_max
    assert gunicorn.accesslog is None and gunicorn.logconfig_dict["root"]["handlers"]


def test_the_image_installs_every_package_before_pip_install():
    dockerfile = (ROOT / "Dockerfile").read_text()
    before_install = dockerfile[: dockerfile.index("RUN pip install")]
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for pattern in packages["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert f"COPY {package} ./{package}" in before_install
    assert "--no-cache-dir ." in dockerfile and ".[dev]" not in dockerfile
