"""Saved reports, their schedules, and the files delivered from them.

A saved report is a named set of the report page's choices (filters, layout, byte-order mark,
small-number threshold). A schedule makes it run by itself; every run is a delivery: the file it
wrote (kept for REPORT_RETENTION_DAYS), what it held, which figures it came from, and how it ended.
"""

from django.conf import settings
from django.db import models

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class SavedReport(models.Model):
    class Layout(models.TextChoices):
        LONG = "long", "Long (one row per rung)"
        WIDE = "wide", "Wide (one row per force or channel and period)"

    class Schedule(models.TextChoices):
        NONE = "", "Not scheduled"
        AFTER_RECOMPUTE = "after_recompute", "After each nightly recompute"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    name = models.CharField(max_length=120)
    # The report page's query string (filters, layout, bom): what the report page would show.
    query = models.JSONField(default=dict, blank=True)
    layout = models.CharField(max_length=8, choices=Layout.choices, default=Layout.LONG)
    bom = models.BooleanField(default=False, help_text="Start the file with a UTF-8 BOM (Excel).")
    suppress_below = models.PositiveSmallIntegerField(
        default=0,
        help_text="Withhold counts from 1 to this minus one (0: the site's SUPPRESS_BELOW only).",
    )
    schedule = models.CharField(max_length=16, choices=Schedule.choices, blank=True)
    weekday = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Weekly: 0 Monday to 6 Sunday."
    )
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    recipients = models.TextField(blank=True, help_text="E-mail addresses, one a line.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__isnull=True) | models.Q(weekday__lte=6),
                name="saved_report_weekday_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(day_of_month__isnull=True)
                | models.Q(day_of_month__gte=1, day_of_month__lte=28),
                name="saved_report_day_of_month_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def schedule_description(self) -> str:
        """The schedule in words: "Monthly, on day 15", "Weekly, on Fridays"."""
        if self.schedule == self.Schedule.WEEKLY and self.weekday is not None:
            return f"Weekly, on {WEEKDAYS[self.weekday]}s"
        if self.schedule == self.Schedule.MONTHLY and self.day_of_month:
            return f"Monthly, on day {self.day_of_month}"
        return self.get_schedule_display()

    @property
    def recipient_list(self) -> list[str]:
        return [line.strip() for line in self.recipients.splitlines() if line.strip()]


class Delivery(models.Model):
    """One run of a saved report. `trigger` names the occasion (a snapshot, a scheduled day, a
    person's click), unique per report, so the same occasion never delivers twice."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    report = models.ForeignKey(SavedReport, on_delete=models.CASCADE, related_name="deliveries")
    trigger = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    definition_version = models.PositiveIntegerField(null=True, blank=True)
    # The snapshot the figures came from. An id, not a key: old snapshots are pruned, the record
    # of what was delivered stays.
    snapshot_id = models.PositiveBigIntegerField(null=True, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveBigIntegerField(null=True, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    file = models.CharField(max_length=255, blank=True, help_text="Path in the delivered store.")
    emailed_to = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who pressed “Run it now” (empty for a scheduled delivery).",
    )

    class Meta:
        ordering = ["-queued_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["report", "trigger"], name="delivery_once_per_trigger")
        ]

    def __str__(self) -> str:
        return f"{self.report} ({self.trigger}): {self.get_status_display()}"

    @property
    def occasion(self) -> str:
        """Who or what started it, in words, from its trigger (see reports.tasks)."""
        kind, _, rest = self.trigger.partition("-")
        if self.trigger.startswith("by-hand-"):
            who = self.requested_by.get_username() if self.requested_by else "someone"
            return f"Run now by {who}"
        if kind == "scheduled":
            return "Its schedule"
        if kind == "snapshot":
            return f"The recompute that published new figures (snapshot {rest})"
        return self.trigger
