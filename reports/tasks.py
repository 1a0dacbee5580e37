"""Celery tasks for saved reports: each a few lines around reports.services."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from engagement.ladder.signals import figures_published
from reports import services
from reports.models import Delivery
from reports.selectors import reports_after_recompute


def queue_delivery(
    *, report_id: int, trigger: str, user: AbstractBaseUser | None = None
) -> Delivery | None:
    """Open a delivery for this occasion and send it to the workers once the caller's
    transaction commits (in-process without REDIS_URL); None when it already has one."""
    with transaction.atomic():
        delivery = services.open_delivery(report_id=report_id, trigger=trigger, user=user)
        if delivery is not None:
            transaction.on_commit(lambda: deliver_report.delay(delivery.pk))
    return delivery


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver_report(delivery_id: int) -> None:
    """One attempt; a failed one that may be tried again is sent again after a pause."""
    delivery = services.deliver(delivery_id=delivery_id)
    if delivery.status == Delivery.Status.QUEUED:
        deliver_report.apply_async((delivery_id,), countdown=services.retry_delay(delivery))


@shared_task
def deliver_scheduled(report_id: int) -> None:
    """Beat's entry for a weekly or monthly report: one delivery per day it fires."""
    queue_delivery(report_id=report_id, trigger=f"scheduled-{timezone.localdate().isoformat()}")


@shared_task
def prune_delivered() -> int:
    return services.prune_delivered()


@receiver(figures_published, dispatch_uid="reports-deliver-after-recompute")
def deliver_after_recompute(
    sender, *, snapshot_id: int, definition_version: int, current: bool, **kwargs
) -> None:
    """Reports scheduled after the nightly recompute go out once new figures are published."""
    for report in reports_after_recompute(definition_version=definition_version, current=current):
        queue_delivery(report_id=report.pk, trigger=f"snapshot-{snapshot_id}")
