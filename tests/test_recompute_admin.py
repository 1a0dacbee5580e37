"""Starting a recompute from the admin, and the list of runs with their state."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from engagement.definitions.services import create_draft
from engagement.models import RecomputeRun
from tests.factories import RecomputeRunFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

START = "admin:engagement_recomputerun_start"
CHANGELIST = "admin:engagement_recomputerun_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory())
    return client


def test_recompute_button_queues_a_run_sent_to_the_workers_after_commit(
    admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(reverse(START), {"full": "1"}, follow=True)
    run = RecomputeRun.objects.get()
    assert (run.status, run.mode, run.requested_by.is_staff) == ("queued", "full", True)
    assert len(callbacks) == 1
    assert f"Recompute run {run.pk} (full rebuild) asked for" in response.content.decode()


def test_recompute_button_is_refused_without_the_permission(client):
    analyst = UserFactory(is_staff=True)
    analyst.groups.add(Group.objects.get(name="Analysts"))
    client.force_login(analyst)
    client.post(reverse(START))
    assert not RecomputeRun.objects.exists()


def test_definition_admins_may_start_a_recompute(client):
    admin = UserFactory(is_staff=True)
    admin.groups.add(Group.objects.get(name="Definition admins"))
    client.force_login(admin)
    client.post(reverse(START))
    assert RecomputeRun.objects.get().mode == "incremental"


def test_run_list_shows_state_duration_rows_and_error(admin_client):
    started = timezone.now() - timedelta(seconds=42)
    RecomputeRunFactory(
        status="failed", started_at=started, finished_at=timezone.now(), error="disk full"
    )
    RecomputeRunFactory(
        started_at=started, finished_at=started + timedelta(seconds=3), rows_written=1234
    )
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "disk full" in page and "Failed" in page
    assert "3.0s" in page and "1234" in page
    assert "Recompute now (changes only)" in page


def test_definition_action_on_a_draft_queues_a_preview(
    admin_client, django_capture_on_commit_callbacks
):
    draft = create_draft()
    with django_capture_on_commit_callbacks() as callbacks:
        admin_client.post(
            reverse("admin:engagement_engagementdefinition_changelist"),
            {"action": "recompute_selected", "_selected_action": [draft.pk]},
        )
    run = RecomputeRun.objects.get()
    assert run.preview and run.definition == draft and len(callbacks) == 1
