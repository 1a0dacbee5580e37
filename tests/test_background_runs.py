"""Nothing waits in the browser on the embedded default (no REDIS_URL): starting a preview,
publishing a draft and "Recompute now" answer at once, and the run finishes in a background
thread of the web process, its progress on the page meanwhile.

Each test holds the lock every run's start takes (from the test's own connection), so the run
is certainly still waiting when the page answers; then lets go and waits for the run to end.
Transactional: the background thread works in a connection of its own and must see what the
test wrote.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from engagement.definitions.selectors import current_definition
from engagement.definitions.services import create_draft
from engagement.ladder.recompute import LOCK_CLASS, START_KEY
from engagement.models import DistributionSnapshot, RecomputeRun
from tests.factories import ChannelFactory, CitizenFactory, StaffFactory, UserFactory
from tests.recompute_helpers import act

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ANSWER_WITHIN = 2.0  # seconds


@pytest.fixture
def embedded_default(migrations_data, monkeypatch, settings, client):
    """Tasks in-process, as without REDIS_URL, and runs in the background thread (the default
    outside the tests); a signed-in superuser; one interaction to count."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    settings.RECOMPUTE_IN_BACKGROUND = True
    act(ChannelFactory(), CitizenFactory(), "share", "2026-01-10")
    client.force_login(StaffFactory())
    return client


@contextmanager
def run_starts_held():
    """No run can start while this holds the start lock (a run waits for it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, START_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, START_KEY])


def timed(action):
    started = time.monotonic()
    response = action()
    return response, time.monotonic() - started


def ended(run: RecomputeRun, timeout: float = 60) -> RecomputeRun:
    """The run once the background thread has finished it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status not in {RecomputeRun.Status.QUEUED, RecomputeRun.Status.RUNNING}:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run.pk} still {run.status} after {timeout} s")


def test_starting_a_preview_answers_at_once_and_the_preview_follows_in_the_background(
    embedded_default,
):
    client = embedded_default
    draft = create_draft()
    impact = reverse("preview:impact", args=[draft.pk])
    with run_starts_held():
        response, took = timed(lambda: client.post(reverse("preview:start", args=[draft.pk])))
        assert took < ANSWER_WITHIN and response.status_code == 302
        assert "Computing the preview" in client.get(impact).content.decode()
        status = client.get(reverse("preview:status", args=[draft.pk])).json()
        assert status["in_progress"] and not status["ready"]
    run = ended(RecomputeRun.objects.get(definition=draft, preview=True))
    assert run.status == RecomputeRun.Status.SUCCEEDED, run.error
    assert client.get(reverse("preview:status", args=[draft.pk])).json()["ready"]
    assert "under the draft as it is now" in client.get(impact).content.decode()


def test_publishing_answers_at_once_then_the_run_page_shows_the_figures_done(embedded_default):
    client = embedded_default
    draft = create_draft()
    publish = reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk])
    with run_starts_held():
        response, took = timed(lambda: client.post(publish, follow=True))
        assert took < ANSWER_WITHIN
        assert current_definition() == draft
        page = response.content.decode()
        assert "Waiting to start" in page
        assert page.count("is now the current definition") == 1  # shown once
    run = ended(RecomputeRun.objects.get(definition=draft))
    assert run.status == RecomputeRun.Status.SUCCEEDED, run.error
    assert DistributionSnapshot.objects.get(is_current=True, definition=draft)
    page = client.get(reverse("admin:engagement_recomputerun_progress", args=[run.pk]))
    text = page.content.decode()
    assert "Succeeded." in text and "the figures are ready" in text
    assert "is now the current definition" not in text  # the message is not shown again


def test_recompute_now_answers_at_once_and_its_message_is_shown_once(embedded_default):
    client = embedded_default
    with run_starts_held():
        response, took = timed(
            lambda: client.post(
                reverse("admin:engagement_recomputerun_start"), {"full": "1"}, follow=True
            )
        )
        assert took < ANSWER_WITHIN
        run = RecomputeRun.objects.get()
        assert response.content.decode().count(f"Recompute run {run.pk} (full rebuild)") == 1
        status = client.get(
            reverse("admin:engagement_recomputerun_progress_status", args=[run.pk])
        ).json()
        assert status["in_progress"] and status["status"] == "queued"
    run = ended(run)
    assert run.status == RecomputeRun.Status.SUCCEEDED, run.error
    status = client.get(
        reverse("admin:engagement_recomputerun_progress_status", args=[run.pk])
    ).json()
    assert not status["in_progress"] and status["done"] == status["total"] >= 1


def test_recompute_now_after_an_import_answers_at_once_and_says_so_once(embedded_default):
    client = embedded_default
    client.force_login(UserFactory(password=None, roles=["Definition admins"]))  # not staff
    with run_starts_held():
        response, took = timed(
            lambda: client.post(reverse("engagement:recompute-now"), follow=True)
        )
        assert took < ANSWER_WITHIN
        run = RecomputeRun.objects.get()
        assert response.content.decode().count(f"Recompute run {run.pk} asked for") == 1
    assert ended(run).status == RecomputeRun.Status.SUCCEEDED, run.error
