"""Redis down: the pages serve from the database, queueing a run refuses whole or keeps the run
visible until it is sent again, and a run done in-process always ends (issue #10, "Outages")."""

import logging
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from engagement.definitions.selectors import current_definition
from engagement.definitions.services import create_draft
from engagement.ladder.recompute import recompute_now
from engagement.ladder.tasks import request_recompute, resend_waiting_runs, run_recompute
from engagement.models import (
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    RecomputeRun,
)
from tests.dashboard_data import make_dashboard_data
from tests.factories import ChannelFactory, CitizenFactory, RecomputeRunFactory
from tests.outage_helpers import SpareRedis, cache_at, celery_at, nowhere
from tests.pages import page_text
from tests.recompute_helpers import act

pytestmark = pytest.mark.django_db

PAGES = ["/", "/forces/kent/", "/compare/?forces=kent,essex"]
START = "admin:engagement_recomputerun_start"
QUEUE = celery_app.conf.task_default_queue


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _store() -> tuple[int, int, int]:
    return (
        RecomputeRun.objects.count(),
        DistributionSnapshot.objects.count(),
        Distribution.objects.count(),
    )


def _queued_messages(spare: SpareRedis) -> list[bytes]:
    return spare.client().lrange(QUEUE, 0, -1)


# --- the pages -------------------------------------------------------------------------------


def test_pages_serve_the_same_figures_from_the_database_when_the_cache_is_unreachable(
    staff_client, caplog
):
    make_dashboard_data()
    with_cache = [page_text(staff_client.get(url)) for url in PAGES]
    before = _store()

    caplog.set_level(logging.WARNING, logger="config.cache")
    started = time.monotonic()
    with cache_at(nowhere()):
        responses = [staff_client.get(url) for url in PAGES for _ in range(2)]
    took = time.monotonic() - started

    assert [response.status_code for response in responses] == [200] * 6
    assert [page_text(response) for response in responses[::2]] == with_cache
    assert took < 10  # refused at once, not Redis's and Celery's retries
    outage_lines = [r for r in caplog.records if r.name == "config.cache"]
    assert len(outage_lines) == 1 and "unreachable" in outage_lines[0].getMessage()
    assert _store() == before


# --- queueing a run ----------------------------------------------------------------------------


def test_recompute_now_with_redis_down_is_refused_with_a_clear_message_and_queues_nothing(
    staff_client,
):
    before = _store()
    started = time.monotonic()
    with celery_at(nowhere()):
        response = staff_client.post(reverse(START), {"full": "1"}, follow=True)
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    (message,) = _messages(response)
    assert "The recompute queue (Redis) cannot be reached, so nothing was done" in message
    assert "manage.py recompute" in message
    assert _store() == before


def test_publishing_with_redis_down_is_refused_whole_and_the_draft_stays_a_draft(staff_client):
    draft = create_draft()
    before = _store()
    with celery_at(nowhere()):
        response = staff_client.post(
            reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk]), follow=True
        )
    assert response.status_code == 200
    (message,) = _messages(response)
    assert message.startswith(f"Version {draft.version} was not published (it stays a draft)")
    assert "cannot be reached" in message
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.DRAFT and draft.published_at is None
    assert current_definition().version == 1
    assert _store() == before


def test_a_run_redis_lost_before_it_was_sent_stays_queued_shown_as_waiting_and_is_sent_again(
    spare_redis, staff_client, django_capture_on_commit_callbacks
):
    with celery_at(spare_redis.url):
        with django_capture_on_commit_callbacks() as callbacks:
            run = request_recompute(definition=current_definition())  # Redis answered
        spare_redis.stop()
        for callback in callbacks:
            callback()  # the send, after commit, fails: no 500, the run is kept
        run.refresh_from_db()
        assert (run.status, run.sent_at) == ("queued", None)
        assert "not yet handed to the workers" in run.waiting
        page = staff_client.get(reverse("admin:engagement_recomputerun_changelist"))
        assert "Queued: not yet handed to the workers (Redis unreachable)" in page.content.decode()

        spare_redis.start()
        assert resend_waiting_runs() == 1

    run.refresh_from_db()
    assert run.status == "queued" and run.sent_at is not None and run.waiting == ""
    (message,) = _queued_messages(spare_redis)
    assert b"engagement.ladder.tasks.run_recompute" in message
    assert not DistributionSnapshot.objects.exists()


def test_a_run_no_worker_started_is_shown_on_the_pages_and_sent_again_once(
    spare_redis, staff_client
):
    make_dashboard_data()
    long_ago = timezone.now() - timedelta(minutes=25)
    run = RecomputeRunFactory(status="queued", sent_at=long_ago, preview=False)
    status_bar = staff_client.get("/").content.decode()
    assert "waiting: no worker has picked it up in 25 minutes; it is sent again" in status_bar

    with celery_at(spare_redis.url):
        assert resend_waiting_runs() == 1
        assert resend_waiting_runs() == 0  # sent again only after another wait
    run.refresh_from_db()
    assert run.sent_at > long_ago and run.status == "queued"
    assert len(_queued_messages(spare_redis)) == 1


def test_an_earlier_message_of_a_run_sent_again_does_nothing():
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-10")
    run = RecomputeRunFactory(status="queued", sent_at=timezone.now(), mode="incremental")
    earlier = (run.sent_at - timedelta(minutes=20)).isoformat()
    run_recompute.apply(args=(run.pk,), kwargs={"sent": earlier})
    run.refresh_from_db()
    assert run.status == "queued" and not DistributionSnapshot.objects.exists()


# --- without REDIS_URL: the run is done in the request, and always ends ------------------------


@pytest.mark.postgres
def test_an_in_process_run_from_the_admin_that_fails_is_marked_failed_and_blocks_nothing(
    monkeypatch, staff_client, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # as without REDIS_URL
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "view", "2026-01-10")
    with (
        override_settings(RECOMPUTE_WORK_MEM="not-a-size"),  # PostgreSQL refuses the step
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = staff_client.post(reverse(START), {"full": "1"})
    assert response.status_code == 302
    failed = RecomputeRun.objects.get()
    assert failed.status == "failed" and "work_mem" in failed.error
    assert not DistributionSnapshot.objects.exists()

    after = recompute_now()  # not skipped: the failed run holds nothing
    assert after.status == "succeeded", after.error


def test_beat_sends_waiting_runs_again_every_five_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["resend-waiting-runs"]
    assert entry["task"] == resend_waiting_runs.name and entry["task"] in celery_app.tasks
    assert entry["schedule"].minute == set(range(0, 60, 5))
