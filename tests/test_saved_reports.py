"""Saved and scheduled reports: saved from the report page, run by beat or after the recompute,
each occasion delivered once (a file in the store and an e-mail with its link), retried, and kept
byte for byte whatever is recomputed later."""

import json
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from engagement.ladder.recompute import recompute_now
from reports import services
from reports.models import Delivery, SavedReport
from reports.selectors import next_run_at
from reports.tasks import deliver_scheduled
from tests.factories import (
    AnalystFactory,
    ChannelFactory,
    CitizenFactory,
    SavedReportFactory,
    UserFactory,
)
from tests.recompute_helpers import act, mark_stale

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_process(monkeypatch, settings, tmp_path):
    """Tasks run as they are queued (as without REDIS_URL), files go to a fresh store, e-mails
    to Django's in-memory outbox."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    settings.DELIVERED_REPORTS_DIR = tmp_path / "delivered"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REPORT_RETRY_SECONDS = 0


@pytest.fixture
def published_figures():
    """A force with three people on its one channel, and the figures recomputed from them."""
    channel = ChannelFactory(force__slug="reportshire", force__population=1000)
    for kind in ("view", "like", "share"):
        act(channel, CitizenFactory(), kind, "2026-03-10")
    recompute_now(full=True)
    return channel


def delivered(delivery: Delivery) -> bytes:
    from django.conf import settings

    return (settings.DELIVERED_REPORTS_DIR / delivery.file).read_bytes()


def test_saving_keeps_the_report_pages_choices(client):
    user = AnalystFactory(password=None)
    client.force_login(user)

    response = client.post(
        "/reports/save/",
        {"name": "Monthly forces", "period_type": "month", "scope": "force", "layout": "wide"},
    )

    report = SavedReport.objects.get()
    assert response.url == f"/reports/saved/{report.pk}/"
    assert (report.name, report.layout, report.created_by) == ("Monthly forces", "wide", user)
    assert report.query == {"period_type": ["month"], "scope": ["force"]}


def test_saving_wrong_filters_saves_nothing_and_says_which(client):
    client.force_login(AnalystFactory(password=None))

    response = client.post("/reports/save/", {"name": "Bad", "period": "2099-13"}, follow=True)

    assert not SavedReport.objects.exists()
    assert "The report was not saved: period" in response.content.decode()


def test_saved_reports_are_listed_with_who_made_them_and_when_they_last_ran(client):
    report = SavedReportFactory(name="Chief officers", created_by=UserFactory(username="maker"))
    Delivery.objects.create(
        report=report, trigger="t", status="succeeded", finished_at=timezone.now()
    )
    client.force_login(AnalystFactory(password=None))

    page = client.get("/reports/saved/").content.decode()

    assert "Chief officers" in page and "maker" in page and "succeeded" in page


def test_a_weekly_schedule_is_a_beat_entry_people_can_see(client):
    report = SavedReportFactory()
    client.force_login(AnalystFactory(password=None))

    client.post(
        f"/reports/saved/{report.pk}/",
        {"schedule": "weekly", "weekday": "0", "recipients": "pcc@example.org"},
    )

    entry = PeriodicTask.objects.get(name=f"Saved report {report.pk}")
    assert entry.task == "reports.tasks.deliver_scheduled"
    assert json.loads(entry.args) == [report.pk]
    assert (entry.crontab.day_of_week, entry.crontab.hour) == ("1", "6")  # Monday, 06:00


def test_unscheduling_removes_the_beat_entry():
    report = SavedReportFactory()
    services.schedule_report(report=report, schedule="monthly", day_of_month=3, recipients=[])
    services.schedule_report(report=report, schedule="", recipients=[])

    assert not PeriodicTask.objects.filter(name=f"Saved report {report.pk}").exists()


def test_a_wrong_recipient_is_refused_naming_the_line(client):
    report = SavedReportFactory()
    client.force_login(AnalystFactory(password=None))

    response = client.post(
        f"/reports/saved/{report.pk}/",
        {"schedule": "after_recompute", "recipients": "ok@example.org\nnot an address"},
    )

    assert response.status_code == 400
    assert "Line 2 is not an e-mail address" in response.content.decode()
    assert SavedReport.objects.get().schedule == ""


def test_the_beat_entry_delivers_one_file_and_one_email(
    in_process, published_figures, django_capture_on_commit_callbacks
):
    report = SavedReportFactory(
        query={"force": ["reportshire"], "period_type": ["month"]},
        recipients="chief@example.org\npcc@example.org",
    )

    with django_capture_on_commit_callbacks(execute=True):
        deliver_scheduled(report.pk)

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SUCCEEDED
    # The long layout: rungs 0 to 6 at force scope, 1 to 6 on the platform and on the channel.
    assert (delivery.definition_version, delivery.rows) == (1, 7 + 6 + 6)
    assert delivery.bytes == len(delivered(delivery))
    assert delivered(delivery).startswith(b"definition_version,period_type,period,")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["chief@example.org", "pcc@example.org"]
    assert f"/reports/deliveries/{delivery.pk}/" in mail.outbox[0].body


def test_the_same_occasion_never_delivers_twice(
    in_process, published_figures, django_capture_on_commit_callbacks
):
    report = SavedReportFactory(recipients="chief@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        deliver_scheduled(report.pk)
        deliver_scheduled(report.pk)  # beat firing twice the same day
    services.deliver(delivery_id=Delivery.objects.get().pk)  # a task delivered twice

    assert Delivery.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_report_scheduled_after_the_recompute_goes_out_when_figures_are_published(
    in_process, published_figures, django_capture_on_commit_callbacks
):
    SavedReportFactory(schedule="after_recompute", recipients="chief@example.org")
    SavedReportFactory(schedule="weekly", weekday=0)  # not this one
    # New data since the figures: a run with nothing to count publishes nothing (README).
    mark_stale([act(published_figures, CitizenFactory(), "reply", "2026-03-11")])

    with django_capture_on_commit_callbacks(execute=True):
        run = recompute_now()

    delivery = Delivery.objects.get()
    assert delivery.trigger == f"snapshot-{run.snapshot.pk}"
    assert delivery.snapshot_id == run.snapshot.pk
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert len(mail.outbox) == 1


class FailingBackend:
    """An SMTP server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server refused the connection")


def test_a_failing_run_is_retried_then_shown_as_failed(
    in_process, published_figures, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    report = SavedReportFactory(recipients="chief@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        deliver_scheduled(report.pk)

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == settings.REPORT_RETRIES + 1
    assert "refused the connection" in delivery.error
    assert delivery.file == ""


def test_a_delivered_file_stays_byte_identical_after_a_later_recompute(
    in_process, published_figures, client, django_capture_on_commit_callbacks
):
    report = SavedReportFactory(query={"force": ["reportshire"]})
    with django_capture_on_commit_callbacks(execute=True):
        deliver_scheduled(report.pk)
    first = Delivery.objects.get()
    client.force_login(AnalystFactory(password=None))
    before = b"".join(client.get(f"/reports/deliveries/{first.pk}/").streaming_content)

    act(published_figures, CitizenFactory(), "volunteer", "2026-03-20")
    recompute_now(full=True)
    after = b"".join(client.get(f"/reports/deliveries/{first.pk}/").streaming_content)
    with django_capture_on_commit_callbacks(execute=True):
        services.deliver(
            delivery_id=services.open_delivery(report_id=report.pk, trigger="later").pk
        )
    later = delivered(Delivery.objects.get(trigger="later"))

    assert before == after == delivered(first)
    assert later != before  # the later delivery has the new figures


def test_a_delivery_is_downloaded_by_signed_in_users_only(client, in_process, published_figures):
    delivery = services.deliver(
        delivery_id=services.open_delivery(report_id=SavedReportFactory().pk, trigger="x").pk
    )

    assert client.get(f"/reports/deliveries/{delivery.pk}/").status_code == 302
    client.force_login(AnalystFactory(password=None))
    response = client.get(f"/reports/deliveries/{delivery.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_old_delivered_files_are_removed_and_their_records_kept(in_process, published_figures):
    delivery = services.deliver(
        delivery_id=services.open_delivery(report_id=SavedReportFactory().pk, trigger="x").pk
    )
    path = delivery.file

    removed = services.prune_delivered(now=timezone.now() + timedelta(days=91))

    delivery.refresh_from_db()
    assert removed == 1 and delivery.file == "" and delivery.status == "succeeded"
    from django.conf import settings

    assert not (settings.DELIVERED_REPORTS_DIR / path).exists()


def test_a_report_with_a_threshold_delivers_withheld_cells(in_process, published_figures):
    report = SavedReportFactory(query={"force": ["reportshire"]}, suppress_below=5)

    delivery = services.deliver(
        delivery_id=services.open_delivery(report_id=report.pk, trigger="x").pk
    )

    assert b"[c]" in delivered(delivery)


@pytest.mark.parametrize(
    ("schedule", "day", "now", "expected"),
    [
        # Monthly on the 15th at 06:00 London time: later this month, or next month once past.
        ("monthly", {"day_of_month": 15}, "2026-12-06T10:00:00+00:00", "2026-12-15T06:00:00+00:00"),
        ("monthly", {"day_of_month": 6}, "2026-12-06T10:00:00+00:00", "2027-01-06T06:00:00+00:00"),
        # Weekly on Friday (4); 6 Dec 2026 is a Sunday. In summer, 06:00 BST is 05:00 UTC.
        ("weekly", {"weekday": 4}, "2026-12-06T10:00:00+00:00", "2026-12-11T06:00:00+00:00"),
        ("weekly", {"weekday": 4}, "2026-07-01T10:00:00+00:00", "2026-07-03T05:00:00+00:00"),
        # After the recompute: the next nightly run at 02:30.
        ("after_recompute", {}, "2026-12-06T10:00:00+00:00", "2026-12-07T02:30:00+00:00"),
    ],
)
def test_the_next_run_of_a_scheduled_report(schedule, day, now, expected):
    report = SavedReportFactory(schedule=schedule, **day)
    when = next_run_at(report, now=datetime.fromisoformat(now))
    assert when == datetime.fromisoformat(expected)


def test_a_saved_report_page_says_when_it_next_runs_and_who_started_each_delivery(
    client, in_process, published_figures, django_capture_on_commit_callbacks
):
    analyst = AnalystFactory(username="jo.analyst")
    client.force_login(analyst)
    report = SavedReportFactory()
    services.schedule_report(report=report, schedule="monthly", day_of_month=15, recipients=[])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:run", args=[report.pk]))
    page = client.get(reverse("reports:saved", args=[report.pk])).content.decode()
    assert "Monthly, on day 15." in page and "Next run:" in page
    assert "Run now by jo.analyst" in page and "by-hand-" not in page
    listed = client.get(reverse("reports:saved-list")).content.decode()
    assert "Monthly, on day 15" in listed
