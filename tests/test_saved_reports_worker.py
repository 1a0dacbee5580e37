"""A report scheduled after the nightly recompute, end to end on a real Celery worker: the
nightly run publishes, the worker delivers the report once and e-mails its link."""

import time

import pytest
from django.conf import settings

from engagement.ladder.tasks import nightly_recompute
from reports.models import Delivery
from tests.factories import ChannelFactory, CitizenFactory, SavedReportFactory
from tests.processes import ON_A_REAL_WORKER
from tests.recompute_helpers import act
from tests.test_recompute_worker import wait_for_run, worker  # noqa: F401 (the worker fixture)

pytestmark = ON_A_REAL_WORKER


def wait_for_delivery(worker, timeout: float = 60) -> Delivery:  # noqa: F811 (the fixture)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = Delivery.objects.first()
        if delivery is not None and delivery.status in {"succeeded", "failed"}:
            return delivery
        time.sleep(0.5)
    pytest.fail(f"no delivery ended within {timeout}s\n{worker.log.read_text()}")


def test_the_nightly_run_delivers_a_report_scheduled_after_it_on_a_real_worker(worker):  # noqa: F811
    act(ChannelFactory(force__slug="nightshire"), CitizenFactory(), "like", "2026-02-10")
    report = SavedReportFactory(
        name="Nightly figures",
        query={"force": ["nightshire"]},
        schedule="after_recompute",
        recipients="chief@example.org",
    )

    nightly_recompute.delay()
    run = wait_for_run(worker)
    delivery = wait_for_delivery(worker)

    assert (delivery.report, delivery.status) == (report, Delivery.Status.SUCCEEDED)
    assert delivery.trigger == f"snapshot-{run.snapshot.pk}"
    assert (settings.DELIVERED_REPORTS_DIR / delivery.file).read_bytes().count(b"nightshire") > 0
    assert delivery.emailed_to == 1
    assert "Subject: Ladder report: Nightly figures" in worker.log.read_text()
