"""The definition debate in a real browser: an admin previews a draft's impact and publishes it;
a force page switches between the shared ladder and the force's local lens."""

import pytest

from engagement.definitions.selectors import current_definition
from engagement.definitions.services import create_draft, create_lens, publish_definition
from forces.models import Force
from tests.ingestion import EXAMPLES
from tests.test_dashboard_browser import (  # noqa: F401 (fixtures)
    assert_sound,
    browser_context_args,
    charts_drawn,
    open_page,
    signed_in,
)
from tests.test_recompute_examples import import_files, succeed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def counted(signed_in, monkeypatch):  # noqa: F811 (the imported fixture)
    """The small worked example counted under v1; tasks run in-process (as without Redis)."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    import_files(EXAMPLES / "small")
    succeed()
    return signed_in


def test_an_admin_edits_a_draft_previews_its_impact_reads_the_changes_and_publishes(counted):
    draft = create_draft()
    page = open_page(counted, f"/admin/engagement/engagementdefinition/{draft.pk}/change/")
    slug_field = page.locator('input[name^="kinds-"][name$="-slug"][value="like"]')
    row = slug_field.get_attribute("name").removesuffix("-slug")
    page.select_option(f'select[name="{row}-rung"]', label="1 Passive")
    page.locator('input[name="_continue"]').click()
    page.wait_for_load_state("networkidle")
    page.errors.clear()  # the admin's own pages are not what this test checks

    page.get_by_role("link", name="Preview the impact").first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Compute the preview").click()
    page.wait_for_load_state("networkidle")
    changes = page.get_by_test_id("changes").inner_text()
    assert "Kind 'like' moved from rung 2 Conversation to rung 1 Passive." in changes
    assert "Computed" in page.get_by_test_id("preview-progress").inner_text()
    assert page.locator("#forces-table tbody tr").count() == 43
    assert page.locator("#national-table tbody tr").count() == 6
    assert_sound(page, "impact-preview")

    page.get_by_role("link", name="Publish this draft…").click()  # asks first
    page.wait_for_load_state("networkidle")
    movers = page.get_by_test_id("publish-movers")
    assert (
        "Conversation or above moves most"
        in page.get_by_test_id("publish-confirmation").inner_text()
    )
    assert movers.locator("tbody tr").count() >= 1
    assert current_definition().version == 1
    page.get_by_role("button", name="Yes, publish version 2").click()
    page.wait_for_load_state("networkidle")
    assert "Version 2 is now the current definition" in page.locator(".messagelist").inner_text()
    assert "Succeeded." in page.get_by_test_id("run-progress").inner_text()
    assert current_definition().version == draft.version


def test_a_force_page_switches_between_the_shared_ladder_and_its_lens(counted):
    lens = create_lens(force=Force.objects.get(slug="kent"))
    lens.kinds.filter(slug="like").update(rung=lens.rungs.get(position=6))
    publish_definition(definition=lens)

    page = open_page(counted, "/forces/kent/?period_type=year&period=2026")
    assert page.get_by_test_id("lens").count() == 0
    page.get_by_role("link", name="Local lens").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("lens").is_visible()
    rows = page.locator("#lens-table tbody tr")
    assert rows.count() == 6
    co_designers = page.locator('#lens-table tr[data-rung="6"]')
    assert (
        co_designers.locator("[data-lens]").inner_text()
        != co_designers.locator("[data-shared]").inner_text()
    )
    assert charts_drawn(page) == 6  # with the mobility chart: the year before is held (partial)
    assert_sound(page, "force-lens")

    page.get_by_role("link", name="Shared ladder").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("lens").count() == 0
