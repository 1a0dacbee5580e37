import io
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from engagement.demo import ensure_demo_users
from engagement.models import ImportBatch, Interaction
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db


def test_setup_demo_generates_demo_data_when_there_are_no_interactions():
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    assert Interaction.objects.values("force").distinct().count() == 43
    assert "60000 row(s) read, 60000 created" in out.getvalue()


def test_setup_demo_leaves_existing_interactions_alone():
    InteractionFactory()
    call_command("setup_demo", stdout=io.StringIO())
    assert Interaction.objects.count() == 1
    assert not ImportBatch.objects.exists()


def test_the_demo_has_a_superuser_and_an_analyst_without_the_staff_flag():
    people, password = ensure_demo_users()
    users = {user.username: user for user in get_user_model().objects.all()}
    assert [name for name, _ in people] == ["demo", "analyst"]
    assert users["demo"].is_superuser and users["demo"].check_password(password)
    analyst = users["analyst"]
    assert not analyst.is_staff and analyst.check_password(password)
    assert [group.name for group in analyst.groups.all()] == ["Analysts"]


def test_make_demo_serves_and_links_e_mails_at_the_same_address(settings):
    """`make demo PORT=8123` sets SITE_URL to the address it serves, so report e-mails link
    there (make -n prints the commands without running them)."""
    commands = subprocess.run(
        ["make", "-n", "demo", "PORT=8123"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert (
        "SITE_URL=http://127.0.0.1:8123 LOG_LEVEL=WARNING .venv/bin/python manage.py setup_demo "
        "--port 8123" in commands
    )
    assert "SITE_URL=http://127.0.0.1:8123 .venv/bin/python manage.py runserver 127.0.0.1:8123" in (
        commands
    )


def test_setup_demo_says_where_report_e_mails_link(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    InteractionFactory()  # data held: no demo data generated
    out = io.StringIO()
    call_command("setup_demo", "--port", "8123", stdout=out)
    assert "Links in report e-mails start with http://127.0.0.1:8123" in out.getvalue()
