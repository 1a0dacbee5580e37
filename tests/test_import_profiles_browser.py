"""A force data manager maps an export Ladder does not know, in a real browser (Chromium through
Playwright): chooses its columns, maps its words to kinds, reads the preview, saves the profile
for their force, and imports."""

import os

import pytest
from django.test import Client
from playwright.sync_api import expect

from engagement.models import ImportProfile, Interaction
from forces.models import Force, Platform
from tests.factories import ChannelFactory, UserFactory

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EXPORT = (
    "Ref,Who,Type,Stamp,Notes\n"
    'r1,alice,Comment,01/05/2026 10:00,"hello, there"\n'
    "r2,bob,Like,01/05/2026 11:00,\n"
    "r3,kent-police,Our reply,01/05/2026 12:00,thanks\n"
)


@pytest.fixture
def profiles_page(page, live_server, migrations_data):
    kent = Force.objects.get(slug="kent")
    ChannelFactory(force=kent, slug="facebook-main", platform=Platform.FACEBOOK)
    manager = UserFactory(username="kent-data", roles=["Force data managers"], forces=["kent"])
    client = Client()
    client.force_login(manager)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page.goto(live_server.url + "/imports/")
    return page


def test_a_data_manager_maps_an_unknown_export_previews_saves_and_imports(profiles_page):
    page = profiles_page
    errors = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.get_by_role("link", name="Import it through an import profile").click()
    expect(page.get_by_test_id("exports-people")).to_contain_text("totals per post")

    page.get_by_label("The export (CSV or JSON)").set_input_files(
        files=[{"name": "crm.csv", "mimeType": "text/csv", "buffer": EXPORT.encode()}]
    )
    page.get_by_label("Read it with").select_option("")
    page.get_by_role("button", name="Read the export").click()
    expect(page.get_by_role("heading", name="Map crm.csv")).to_be_visible()

    # The columns come from the file's header.
    page.get_by_label("Citizen (the person's identifier on the platform): column").select_option(
        "Who"
    )
    page.get_by_label("Kind of interaction: column").select_option("Type")
    page.get_by_label("When it happened: column").select_option("Stamp")
    page.get_by_label(
        "The tool's own id of the record (optional; finds duplicates): column"
    ).select_option("Ref")
    page.get_by_label("Force: or one for the whole file").select_option("kent")
    page.get_by_label("Channel: or one for the whole file (its slug)").fill("facebook-main")
    page.get_by_label("How the tool writes times").fill("%d/%m/%Y %H:%M")
    page.get_by_role("button", name="Preview the first 20 records").click()

    # The words found in the kind column, each to a kind or skipped.
    words = page.get_by_test_id("words")
    expect(words).to_contain_text("“Our reply”")
    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("'Comment' is a word the profile does not map to a kind")
    words.get_by_label("“Comment”").select_option("reply")
    words.get_by_label("“Like”").select_option("like")
    words.get_by_label("“Our reply”").select_option("-skip-")
    page.get_by_role("button", name="Preview the first 20 records").click()

    rows = page.get_by_test_id("preview").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("reply")
    expect(rows.nth(0)).to_contain_text("1 May 2026 10:00")
    expect(rows.nth(0)).to_contain_text("none")
    expect(rows.nth(2)).to_contain_text("skipped")
    expect(rows.nth(0)).not_to_contain_text("alice")  # citizens are shown in part only

    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # readable at 390 px
    page.set_viewport_size({"width": 1440, "height": 900})

    page.get_by_label("Profile name (to save it)").fill("crm-export")
    page.get_by_label("Save the profile for").select_option("kent")
    page.get_by_role("button", name="Save the profile").click()
    expect(page.get_by_test_id("message")).to_contain_text("Profile kent/crm-export saved")
    saved = ImportProfile.objects.get(force__slug="kent", name="crm-export")
    assert saved.document["kinds"] == {"Comment": "reply", "Like": "like"}

    page.get_by_role("button", name="Import crm.csv").click()
    expect(page.get_by_test_id("outcome")).to_contain_text("2 row(s) read, 2 created")
    assert sorted(Interaction.objects.values_list("kind", flat=True)) == ["like", "reply"]
    assert errors == []  # nothing refused by the Content-Security-Policy, no script error
