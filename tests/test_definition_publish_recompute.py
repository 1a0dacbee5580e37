"""Publishing a definition queues a full recompute under it, so its figures appear at once."""

import pytest

from engagement.definitions.rules import DefinitionInvalid
from engagement.definitions.services import create_draft, publish_definition
from engagement.models import RecomputeRun
from engagement.store.selectors import DistributionFilters, distribution_rows
from tests.factories import ChannelFactory, CitizenFactory, StaffFactory
from tests.recompute_helpers import act

pytestmark = pytest.mark.django_db


def test_publishing_queues_a_full_recompute_of_the_new_version_sent_after_commit(
    django_capture_on_commit_callbacks,
):
    admin = StaffFactory()
    draft = create_draft()
    with django_capture_on_commit_callbacks() as callbacks:
        publish_definition(definition=draft, user=admin)
    run = RecomputeRun.objects.get()
    assert (run.definition, run.mode, run.status) == (draft, "full", "queued")
    assert not run.preview and run.requested_by == admin
    assert len(callbacks) == 1


def test_a_refused_publication_queues_no_recompute(django_capture_on_commit_callbacks):
    draft = create_draft()
    draft.kinds.filter(slug="follow").update(ended_by="nothing-here")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(DefinitionInvalid):
        publish_definition(definition=draft)
    assert not RecomputeRun.objects.exists()
    assert callbacks == []


def test_with_tasks_in_process_the_new_versions_figures_are_readable_once_published(
    monkeypatch, django_capture_on_commit_callbacks
):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # as without REDIS_URL
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "share", "2026-01-10")
    draft = create_draft()
    draft.kinds.filter(slug="share").update(rung=draft.rungs.get(position=6))

    with django_capture_on_commit_callbacks(execute=True):
        publish_definition(definition=draft)

    assert RecomputeRun.objects.get().status == RecomputeRun.Status.SUCCEEDED
    rows = distribution_rows(DistributionFilters(period="2026-01", channel=channel.slug))
    # Rungs 1 to 5 are written as 0 (LADDER.md's long layout); the one citizen is at rung 6.
    assert [(row["definition_version"], row["rung_position"], row["citizens"]) for row in rows] == [
        *((draft.version, position, 0) for position in range(1, 6)),
        (draft.version, 6, 1),
    ]
