"""The report page in a real browser: choose figures, see the preview, download the CSV."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.factories import AnalystFactory, distribution_set

# Playwright's sync API runs an event loop in the test thread; the database calls made there
# (test set-up, factories) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium"}


@pytest.fixture
def signed_in_page(page, live_server, client, migrations_data):
    distribution_set()
    client.force_login(AnalystFactory(password=None))
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def test_an_analyst_previews_and_downloads_a_wide_report(signed_in_page, live_server):
    page = signed_in_page
    page.goto(f"{live_server.url}/reports/")
    page.get_by_label("Period type").select_option("quarter")
    page.get_by_label("One period").fill("2026-Q2")
    page.get_by_label("Find a force").fill("alph")
    assert page.locator("#id_force_list li:visible").count() == 1  # the list narrows as one types
    page.get_by_label("Find a force").press("Enter")  # chooses the one force left
    assert page.get_by_label("Alpha Police").is_checked()
    page.get_by_label("Wide: one row per scope and period, a column per rung").check()
    page.get_by_label("For Excel (UTF-8 byte-order mark)").check()
    page.get_by_role("button", name="Show the first rows").click()

    preview = page.locator("table.report-preview")
    assert preview.locator("th").last.inner_text() == "partial"
    assert preview.locator("tbody tr").count() == 3  # alpha and its two channels

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the CSV").click()
    download = download_info.value
    assert download.suggested_filename == "ladder-v1-quarter-2026-q2-all-scopes-alpha-wide.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbfdefinition_version,period_type,period,scope,force")
    assert content.count(b"\r\n") == 4


def test_a_mistake_is_shown_at_the_top_and_linked_to_its_field(signed_in_page, live_server):
    page = signed_in_page
    page.goto(f"{live_server.url}/reports/?period=2026-13")
    summary = page.get_by_role("alert")
    assert "There is a problem" in summary.inner_text()
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "id_period"


def test_an_analyst_saves_schedules_runs_and_downloads_a_report(
    signed_in_page, live_server, monkeypatch, settings, tmp_path
):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # "Run it now" in-process
    settings.DELIVERED_REPORTS_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    page = signed_in_page
    page.goto(f"{live_server.url}/reports/?period_type=quarter&force=alpha")
    page.get_by_label("Name").fill("Alpha by quarter")
    page.get_by_role("button", name="Save report").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Alpha by quarter"
    page.get_by_label("Runs").select_option("weekly")
    page.get_by_label("Day of the week (weekly)").select_option("Friday")
    page.get_by_label("E-mail a link to (one address a line)").fill("chief@example.org")
    page.get_by_role("button", name="Save the schedule").click()
    assert "The schedule was saved." in page.get_by_role("status").inner_text()
    assert page.get_by_label("Runs").input_value() == "weekly"

    page.get_by_role("button", name="Run it now").click()
    link = page.get_by_role("link", name="ladder-v1-quarter-all-periods-all-scopes-alpha-long.csv")
    with page.expect_download() as download_info:
        link.click()
    content = Path(download_info.value.path()).read_bytes()
    assert content.startswith(b"definition_version,period_type,period,scope,force")
    assert b",alpha," in content and b",bravo," not in content

    page.goto(f"{live_server.url}/reports/saved/")
    row = page.get_by_role("row", name="Alpha by quarter")
    assert "Weekly" in row.inner_text() and "succeeded" in row.inner_text()


class Actions:
    """Counts what a person does (clicks, selections, key presses); reading is free."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def select(self, locator, value):
        self.count += 1
        locator.select_option(value)


def test_an_analyst_saves_a_monthly_report_and_reads_its_next_run_in_six_actions(
    signed_in_page, live_server
):
    page = signed_in_page
    you = Actions(page)
    page.goto(f"{live_server.url}/reports/")
    you.click(page.get_by_role("button", name="Show the first rows"))
    you.click(page.get_by_role("button", name="Save report"))  # the name is suggested
    you.select(page.get_by_label("Runs"), "monthly")
    you.select(page.get_by_label("Day of the month (monthly)"), "15")
    you.click(page.get_by_role("button", name="Save the schedule"))
    next_run = page.get_by_test_id("next-run").inner_text()
    assert you.count <= 6
    assert "Monthly, on day 15." in next_run
    assert re.search(r"Next run: \w+day 15 \w+ \d{4}, 06:00", next_run), next_run
    # The saved reports are in the menu, with the next run beside each.
    you.click(page.get_by_role("navigation", name="Main").get_by_role("link", name="Saved reports"))
    assert "Monthly, on day 15" in page.get_by_role("row").nth(1).inner_text()
