"""The impact preview: a draft's figures beside the current ones, for definition admins only.

Built on the worked examples: the page's figures must be exactly what `export_distributions`
writes for the current version now, and for the draft once it is published.
"""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from dashboard.templatetags.ladder_format import change
from engagement.definitions.services import create_draft, publish_definition
from engagement.models import Distribution, DistributionSnapshot, RecomputeRun
from engagement.preview.selectors import preview_status
from tests.factories import StaffFactory, UserFactory
from tests.ingestion import EXAMPLES
from tests.test_recompute_examples import import_files, succeed

pytestmark = pytest.mark.django_db

PERIOD = {"period_type": "year", "period": "2026"}


@pytest.fixture
def draft():
    """The small worked example counted under v1, and a draft v2 that moves two kinds."""
    import_files(EXAMPLES / "small")
    succeed()
    draft = create_draft()
    draft.kinds.filter(slug="like").update(rung=draft.rungs.get(position=1))
    draft.kinds.filter(slug="share").update(rung=draft.rungs.get(position=3))
    return draft


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory())
    return client


def start_preview(client, draft, in_process):
    return in_process(lambda: client.post(reverse("preview:start", args=[draft.pk])))


def exported(version: int) -> dict[tuple[str, int], int]:
    """{(force, rung): citizens} at force scope, rungs 1 to 6, as export_distributions writes."""
    out = io.StringIO()
    call_command(
        "export_distributions",
        "--definition",
        str(version),
        "--scope",
        "force",
        "--period",
        PERIOD["period"],
        stdout=out,
    )
    return {
        (row["force"], int(row["rung_position"])): int(row["citizens"])
        for row in csv.DictReader(io.StringIO(out.getvalue()))
        if row["rung_position"] != "0" and row["citizens"] not in ("", "0")
    }


def shown(impact, side: str) -> dict[tuple[str, int], int]:
    return {
        (area.key, position): citizens
        for area in impact.forces
        for position, citizens in getattr(area, side).items()
        if position > 0 and citizens
    }


def test_the_preview_figures_equal_the_exports_of_the_current_version_and_the_draft(
    admin_client, draft, in_process
):
    start_preview(admin_client, draft, in_process)
    response = admin_client.get(reverse("preview:impact", args=[draft.pk]), PERIOD)
    assert response.status_code == 200
    impact = response.context["impact"]
    before, after = shown(impact, "before"), shown(impact, "after")
    assert before == exported(1)
    assert before != after

    in_process(lambda: publish_definition(definition=draft))
    assert after == exported(draft.version)


def test_the_national_figures_add_up_every_forces(admin_client, draft, in_process):
    start_preview(admin_client, draft, in_process)
    impact = admin_client.get(reverse("preview:impact", args=[draft.pk]), PERIOD).context["impact"]
    for position in range(1, 7):
        assert impact.national.after[position] == sum(
            area.after.get(position) or 0 for area in impact.forces
        )


def test_forces_are_listed_most_moved_first(admin_client, draft, in_process):
    start_preview(admin_client, draft, in_process)
    impact = admin_client.get(reverse("preview:impact", args=[draft.pk]), PERIOD).context["impact"]
    movements = [area.movement for area in impact.forces]
    assert movements == sorted(movements, reverse=True)
    assert movements[0] > 0


def test_analysts_get_403_on_the_preview_and_its_status(client, draft):
    client.force_login(UserFactory(username="analyst", password=None))
    assert client.get(reverse("preview:impact", args=[draft.pk])).status_code == 403
    assert client.get(reverse("preview:status", args=[draft.pk])).status_code == 403
    assert client.post(reverse("preview:start", args=[draft.pk])).status_code == 403
    assert not RecomputeRun.objects.filter(preview=True).exists()


def test_a_published_version_has_no_preview_page(admin_client, draft):
    assert admin_client.get(reverse("preview:impact", args=[draft.based_on.pk])).status_code == 404


def test_a_preview_replaces_no_published_figures(admin_client, draft, in_process):
    published = DistributionSnapshot.objects.get(is_current=True, is_preview=False)
    rows = list(Distribution.objects.filter(snapshot=published).values_list().order_by("pk"))
    start_preview(admin_client, draft, in_process)
    assert DistributionSnapshot.objects.get(is_current=True, is_preview=False) == published
    assert list(Distribution.objects.filter(snapshot=published).values_list().order_by("pk")) == (
        rows
    )
    assert preview_status(draft).snapshot.is_preview


def test_the_preview_is_stale_once_the_draft_changes(admin_client, draft, in_process):
    start_preview(admin_client, draft, in_process)
    assert not preview_status(draft).stale
    draft.kinds.filter(slug="view").update(rung=draft.rungs.get(position=2))
    assert preview_status(draft).stale
    page = admin_client.get(reverse("preview:impact", args=[draft.pk])).content.decode()
    assert "Out of date" in page
    assert "Recompute the preview" in page


def test_saving_a_changed_draft_in_the_admin_recomputes_its_preview(
    admin_client, draft, in_process
):
    from tests.test_definition_admin import _form_data

    start_preview(admin_client, draft, in_process)
    url = reverse("admin:engagement_engagementdefinition_change", args=[draft.pk])
    data = _form_data(admin_client.get(url))
    data["rungs-3-name"] = "Taking part"
    response = in_process(lambda: admin_client.post(url, data))
    assert response.status_code == 302
    assert RecomputeRun.objects.filter(definition=draft, preview=True).count() == 2
    assert not preview_status(draft).stale


def test_the_page_lists_the_changes_and_offers_publishing(admin_client, draft):
    page = admin_client.get(reverse("preview:impact", args=[draft.pk])).content.decode()
    assert "Kind &#x27;like&#x27; moved from rung 2 Conversation to rung 1 Passive." in page
    assert "Publish this draft" in page
    assert "Compute the preview" in page


def test_an_invalid_draft_shows_why_it_cannot_be_published(admin_client, draft):
    draft.kinds.filter(slug="follow").update(ended_by="nothing-here")
    page = admin_client.get(reverse("preview:impact", args=[draft.pk])).content.decode()
    assert "cannot be published yet" in page
    assert "nothing-here" in page
    assert "Publish this draft" not in page


def test_every_share_has_its_count_and_the_conversation_change_per_force(
    admin_client, draft, in_process
):
    start_preview(admin_client, draft, in_process)
    response = admin_client.get(
        reverse("preview:impact", args=[draft.pk]), {"period_type": "month", "period": "2026-01"}
    )
    impact = response.context["impact"]
    area = next(area for area in impact.forces if area.conversation_change)
    page = response.content.decode()
    assert "The figures in Jan 2026" in page and ">Jan 2026</option>" in page  # not 2026-01
    row = page[page.index(f'<tr data-key="{area.key}">') :]
    row = row[: row.index("</tr>")]
    conversation = row[row.index("data-conversation") :]
    counts = f"({area.conversation_count_before} → {area.conversation_count_after})"
    assert counts in conversation
    assert change(area.conversation_change) in conversation  # as every page writes a change
    for rung in area.rows():
        assert f"({rung['before']} → {rung['after']})" in row
    assert "worked out from the unrounded shares" in page
    assert "Moved</th>" not in page and "half the sum of the rungs" in page
