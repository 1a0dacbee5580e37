"""Reading saved reports and their deliveries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from reports.models import Delivery, SavedReport


def saved_reports() -> QuerySet[SavedReport]:
    """Every saved report, with who made it and when it last ran (one query)."""
    last = Delivery.objects.filter(report=OuterRef("pk")).order_by("-queued_at", "-pk")
    return (
        SavedReport.objects.select_related("created_by")
        .annotate(
            last_run_at=Max("deliveries__finished_at"),
            last_status=Subquery(last.values("status")[:1]),
        )
        .order_by("name", "pk")
    )


def saved_report(pk: int) -> SavedReport:
    return get_object_or_404(SavedReport.objects.select_related("created_by"), pk=pk)


def deliveries_of(report: SavedReport, *, limit: int = 50) -> list[Delivery]:
    return list(
        report.deliveries.select_related("requested_by").order_by("-queued_at", "-pk")[:limit]
    )


def delivered_file(pk: int) -> tuple[Delivery, Path | None]:
    """A delivery and its file, or None where there is none (not delivered, or pruned)."""
    delivery = get_object_or_404(Delivery.objects.select_related("report"), pk=pk)
    if delivery.status != Delivery.Status.SUCCEEDED or not delivery.file:
        return delivery, None
    path = settings.DELIVERED_REPORTS_DIR / delivery.file
    return delivery, path if path.is_file() else None


def reports_after_recompute(*, definition_version: int, current: bool) -> list[SavedReport]:
    """Reports to send when new figures of a version are published: those scheduled after the
    recompute that read that version (by name, or as the current one)."""
    wanted = {definition_version, None} if current else {definition_version}
    return [
        report
        for report in SavedReport.objects.filter(schedule=SavedReport.Schedule.AFTER_RECOMPUTE)
        if _version_read(report) in wanted
    ]


def _version_read(report: SavedReport) -> int | None:
    """The version a report names in its filters; None: whichever is current."""
    named = report.query.get("definition") or [None]
    value = named[0] if isinstance(named, list) else named
    return int(value) if value else None


def _at(setting: str) -> time:
    hour, minute = setting.split(":")
    return time(int(hour), int(minute))


def next_run_at(report: SavedReport, *, now: datetime | None = None) -> datetime | None:
    """When a scheduled report next runs by itself (London time), as beat will run it: weekly
    and monthly at REPORTS_AT on their day; after the recompute, once the next nightly
    recompute (RECOMPUTE_AT) has published. None when it is not scheduled."""
    london = ZoneInfo(settings.TIME_ZONE)
    now = timezone.localtime(now or timezone.now(), london)
    Schedule = SavedReport.Schedule
    if report.schedule == Schedule.AFTER_RECOMPUTE:
        at, matches = _at(settings.RECOMPUTE_AT), lambda day: True
    elif report.schedule == Schedule.WEEKLY and report.weekday is not None:
        at, matches = _at(settings.REPORTS_AT), lambda day: day.weekday() == report.weekday
    elif report.schedule == Schedule.MONTHLY and report.day_of_month:
        at, matches = _at(settings.REPORTS_AT), lambda day: day.day == report.day_of_month
    else:
        return None
    day: date = now.date()
    for _ in range(62):  # a monthly day (1 to 28) comes within two months
        when = datetime.combine(day, at, tzinfo=london)
        if matches(day) and when > now:
            return when
        day += timedelta(days=1)
    return None
