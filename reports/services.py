"""Saving, scheduling and delivering reports.

A delivery writes the report's CSV from the figures current at that moment into the store of
delivered files, so a delivered file keeps its contents whatever is recomputed later. Each
occasion (`trigger`) delivers once: the record is unique per report and trigger, and a delivery
is claimed before it runs, so a task run twice sends nothing twice.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from engagement.store.exports import distribution_export
from engagement.store.filters import parse_distribution_filters
from engagement.store.selectors import current_snapshot, definition_for
from reports.models import Delivery, SavedReport

logger = logging.getLogger(__name__)

Schedule = SavedReport.Schedule
Status = Delivery.Status
DELIVER_TASK = "reports.tasks.deliver_scheduled"


def effective_threshold(report: SavedReport) -> int:
    """A report may withhold more than the site does, never less."""
    return max(report.suppress_below, settings.SUPPRESS_BELOW)


def report_query(report: SavedReport) -> QueryDict:
    """The report's choices as the query string the report page and its download read."""
    params = QueryDict(mutable=True)
    for name, value in report.query.items():
        params.setlist(name, value if isinstance(value, list) else [value])
    params["layout"] = report.layout
    if report.bom:
        params["bom"] = "1"
    return params


@transaction.atomic
def save_report(
    *,
    name: str,
    query: dict[str, list[str]],
    layout: str,
    bom: bool,
    suppress_below: int,
    user: AbstractBaseUser | None,
) -> SavedReport:
    """Keep the report page's choices under a name (the filters are checked first)."""
    parse_distribution_filters(QueryDict(_encoded(query)))  # FiltersInvalid names what is wrong
    return SavedReport.objects.create(
        name=name,
        query=query,
        layout=layout,
        bom=bom,
        suppress_below=suppress_below,
        created_by=user if user and user.is_authenticated else None,
    )


def _encoded(query: dict[str, list[str]]) -> str:
    params = QueryDict(mutable=True)
    for name, values in query.items():
        params.setlist(name, values)
    return params.urlencode()


@transaction.atomic
def schedule_report(
    *,
    report: SavedReport,
    schedule: str,
    weekday: int | None = None,
    day_of_month: int | None = None,
    recipients: list[str],
) -> SavedReport:
    """Set when a report runs by itself and who hears of it; beat's entry follows in step."""
    report.schedule = schedule
    report.weekday = weekday if schedule == Schedule.WEEKLY else None
    report.day_of_month = day_of_month if schedule == Schedule.MONTHLY else None
    report.recipients = "\n".join(recipients)
    report.save(update_fields=["schedule", "weekday", "day_of_month", "recipients"])
    _sync_beat_entry(report)
    return report


def _sync_beat_entry(report: SavedReport) -> None:
    """Weekly and monthly reports are django-celery-beat entries (admins can see and pause
    them); a report run after the recompute needs none (the recompute starts it)."""
    name = f"Saved report {report.pk}"
    if report.schedule not in (Schedule.WEEKLY, Schedule.MONTHLY):
        PeriodicTask.objects.filter(name=name).delete()
        return
    hour, minute = settings.REPORTS_AT.split(":")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(int(minute)),
        hour=str(int(hour)),
        day_of_week=str((report.weekday + 1) % 7) if report.schedule == Schedule.WEEKLY else "*",
        day_of_month=str(report.day_of_month) if report.schedule == Schedule.MONTHLY else "*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name=name,
        defaults={"task": DELIVER_TASK, "crontab": crontab, "args": json.dumps([report.pk])},
    )


def open_delivery(
    *, report_id: int, trigger: str, user: AbstractBaseUser | None = None
) -> Delivery | None:
    """The record of a delivery for this occasion (and who asked for it, for "Run it now");
    None when the occasion already has one (it never delivers twice)."""
    delivery, created = Delivery.objects.get_or_create(
        report_id=report_id,
        trigger=trigger,
        defaults={"requested_by": user if user and user.is_authenticated else None},
    )
    return delivery if created else None


def deliver(*, delivery_id: int) -> Delivery:
    """One attempt at a delivery: write the file and e-mail its link, once however often it is
    called. A failed attempt is recorded: queued again while REPORT_RETRIES allows (the caller
    sends it again after `retry_delay`), then failed, with the error on the report's page."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return Delivery.objects.get(pk=delivery_id)
    try:
        return _write_and_send(delivery)
    except Exception as error:  # every failure is recorded on the report's page
        return _attempt_failed(delivery, error)


def retry_delay(delivery: Delivery) -> int:
    """Seconds before the next attempt: REPORT_RETRY_SECONDS, doubling each time."""
    return settings.REPORT_RETRY_SECONDS * 2 ** max(delivery.attempts - 1, 0)


def _attempt_failed(delivery: Delivery, error: Exception) -> Delivery:
    if delivery.file:
        (settings.DELIVERED_REPORTS_DIR / delivery.file).unlink(missing_ok=True)
    final = delivery.attempts > settings.REPORT_RETRIES
    delivery.status = Status.FAILED if final else Status.QUEUED
    delivery.error = f"{type(error).__name__}: {error}"[:2000]
    delivery.file = ""
    delivery.finished_at = timezone.now() if final else None
    delivery.save(update_fields=["status", "error", "file", "finished_at"])
    logger.warning(
        "Delivery %s attempt %s failed%s: %s",
        delivery.pk,
        delivery.attempts,
        "" if final else "; it will be tried again",
        delivery.error,
    )
    return delivery


def _write_and_send(delivery: Delivery) -> Delivery:
    report = delivery.report
    filters = parse_distribution_filters(report_query(report))
    definition = definition_for(filters.definition)
    snapshot = current_snapshot(definition)
    export = distribution_export(
        filters,
        layout=report.layout,
        bom=report.bom,
        suppress_below=effective_threshold(report),
    )
    relative = Path(str(report.pk)) / f"{delivery.pk}-{export.filename}"
    target = settings.DELIVERED_REPORTS_DIR / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = 0
    with target.open("w", encoding="utf-8", newline="") as file:
        for line in export.lines:
            file.write(line)
            lines += 1
    delivery.definition_version = definition.version
    delivery.snapshot_id = snapshot.pk if snapshot else None
    delivery.rows = max(lines - 1 - int(report.bom), 0)  # less the header (and the BOM)
    delivery.bytes = target.stat().st_size
    delivery.filename = export.filename
    delivery.file = str(relative)
    delivery.emailed_to = _email(delivery)
    delivery.status = Status.SUCCEEDED
    delivery.finished_at = timezone.now()
    delivery.error = ""
    delivery.save()
    logger.info("Report %s delivered as delivery %s", report.pk, delivery.pk)
    return delivery


@transaction.atomic
def _claim(delivery_id: int) -> Delivery | None:
    """The delivery, marked running for this attempt; None when it is already delivered."""
    delivery = Delivery.objects.select_for_update().select_related("report").get(pk=delivery_id)
    if delivery.status == Status.SUCCEEDED:
        return None
    delivery.status = Status.RUNNING
    delivery.attempts += 1
    delivery.started_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "started_at"])
    return delivery


def _email(delivery: Delivery) -> int:
    report = delivery.report
    recipients = report.recipient_list
    if not recipients:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("reports:delivery", args=[delivery.pk])
    send_mail(
        subject=f"Ladder report: {report.name}",
        message=(
            f'The report "{report.name}" has been made from the figures of definition version '
            f"{delivery.definition_version}.\n\nDownload it (sign-in required): {link}\n"
        ),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


def prune_delivered(*, now=None) -> int:
    """Delete delivered files older than REPORT_RETENTION_DAYS (their records stay)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.REPORT_RETENTION_DAYS)
    old = Delivery.objects.filter(finished_at__lt=cutoff).exclude(file="")
    pruned = 0
    for delivery in old:
        (settings.DELIVERED_REPORTS_DIR / delivery.file).unlink(missing_ok=True)
        pruned += 1
    old.update(file="")
    return pruned
