"""The upload page in a real browser (Debian's Chromium, driven by Playwright)."""

import os
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from engagement.ingest.uploads import run_stored_upload
from engagement.models import ImportBatch, Interaction
from forces.models import Channel
from tests.factories import StaffFactory
from tests.ingestion import INTERACTION_HEADER, UNKNOWN_KIND

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (part of `make test`).")
    return {
        "executable_path": CHROMIUM,
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        "headless": True,
    }


@pytest.fixture
def import_page(page, live_server, migrations_data):
    client = Client()
    client.force_login(StaffFactory(username="importer"))
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page.goto(live_server.url + "/imports/")
    return page


def upload(page, what: str, name: str, text: str, dry_run: bool = False) -> None:
    page.get_by_label("Channels" if what == "channels" else "Interactions", exact=True).check()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode()}]
    )
    if dry_run:
        page.get_by_label("Dry run", exact=False).check()
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()


def test_staff_import_channels_then_interactions_and_see_problems(import_page):
    page = import_page
    upload(page, "channels", "channels.csv", "force,channel,platform,name\nkent,main,twitter,K\n")
    assert "channels.csv: imported" in page.locator("main").get_by_role("status").inner_text()
    assert Channel.objects.filter(force__slug="kent", slug="main").exists()

    upload(
        page,
        "interactions",
        "bad.csv",
        "force,channel,citizen,kind,occurred_at\n"
        "kent,main,a,view,2026-05-01T10:00:00Z\n"
        "kent,main,b,poke,2026-05-01T10:00:00Z\n",
    )
    alert = page.get_by_role("alert").inner_text()
    assert "bad.csv was not imported: nothing was written" in alert
    assert f"line 3: kind: {UNKNOWN_KIND}" in alert
    assert not Interaction.objects.exists()

    upload(
        page,
        "interactions",
        "good.csv",
        "force,channel,citizen,kind,occurred_at\nkent,main,a,view,2026-05-01T10:00:00Z\n",
    )
    status = page.locator("main").get_by_role("status").inner_text()
    assert "good.csv: imported" in status
    assert Interaction.objects.count() == 1


def test_a_large_upload_shows_its_progress_page_until_the_outcome(import_page, settings):
    """The page refreshes itself (no script): once the worker has run, the outcome appears."""
    settings.UPLOAD_BACKGROUND_BYTES = 1000
    page = import_page
    upload(page, "channels", "channels.csv", "force,channel,platform,name\nkent,main,twitter,K\n")
    lines = [f"kent,main,c{n},view,2026-05-01T10:00:00Z,e{n}" for n in range(100)]
    upload(page, "interactions", "big.csv", "\n".join([INTERACTION_HEADER, *lines]) + "\n")
    batch = ImportBatch.objects.get(filename="big.csv")
    assert page.url.endswith(f"/imports/{batch.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Import of big.csv"

    run_stored_upload(batch_id=batch.pk)  # the worker's part (a no-op if tasks ran in-process)

    expect(page.locator("main").get_by_role("status")).to_contain_text(
        "big.csv: imported", timeout=10_000
    )
    assert Interaction.objects.count() == 100
