"""Hardening: production settings pass `check --deploy`; answers carry the security headers."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "false",
    "HTTPS": "true",
    "SECRET_KEY": "k3Jx9-vQ2mZr7TpL0wYb4NcHs8DfGu1AeKiOlPqRt5VyXnMj6W",  # 50 characters
    "ALLOWED_HOSTS": "ladder.example.org",
}


def test_check_deploy_on_production_settings_prints_no_warning(tmp_path):
    assert len(PRODUCTION["SECRET_KEY"]) == 50
    env = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "LADDER_VAR_DIR": str(tmp_path),
        "PSEUDONYM_KEY": "a-production-pseudonym-key",
        **PRODUCTION,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


@pytest.fixture
def signed_in(client, analyst):
    client.force_login(analyst)
    return client


@pytest.mark.parametrize(
    "url",
    ["/", "/api/v1/distributions/", "/reports/export.csv"],
    ids=["a page", "the API", "a CSV export"],
)
def test_pages_the_api_and_exports_carry_the_security_headers(signed_in, published, url):
    response = signed_in.get(url)
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "geolocation=()" in response["Permissions-Policy"]


def test_a_session_lasts_a_working_day():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
