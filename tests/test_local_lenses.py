"""Local lenses: a force's own variant of the ladder, counted beside the shared one, for that
force only, and read only when asked for by name."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from engagement.definitions.selectors import current_definition
from engagement.definitions.services import create_draft, create_lens, publish_definition
from engagement.ladder.tasks import request_recompute
from engagement.models import (
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    EngagementDefinition,
    LocalLens,
    RecomputeRun,
    StaleMonth,
)
from engagement.roles import role_permissions
from forces.models import Force
from tests.factories import AnalystFactory, StaffFactory, UserFactory
from tests.ingestion import EXAMPLES
from tests.pages import page_text
from tests.test_recompute_examples import import_files, succeed

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent():
    return Force.objects.get(slug="kent")


@pytest.fixture
def counted():
    """The small worked example, counted under the shared v1."""
    import_files(EXAMPLES / "small")
    succeed()


@pytest.fixture
def lens(kent):
    """A draft lens of Kent in which a like reaches Co-Designer."""
    lens = create_lens(force=kent)
    lens.kinds.filter(slug="like").update(rung=lens.rungs.get(position=6))
    return lens


def publish(lens, in_process):
    in_process(lambda: publish_definition(definition=lens))
    return DistributionSnapshot.objects.get(definition=lens, is_current=True)


def export(*args: str) -> str:
    out = io.StringIO()
    call_command("export_distributions", *args, stdout=out)
    return out.getvalue()


def shared_exports(api_client) -> list[bytes]:
    """Every export of the shared ladder: the command (both layouts), the API (figures,
    definitions, runs), the report CSV."""
    return [
        export().encode(),
        export("--layout", "wide").encode(),
        b"".join(api_client.get("/api/v1/distributions/?format=csv").streaming_content),
        api_client.get("/api/v1/distributions/").content,
        api_client.get("/api/v1/definitions/").content,
        api_client.get("/api/v1/recompute-runs/").content,
        b"".join(api_client.get(reverse("reports:export") + "?layout=wide").streaming_content),
    ]


def test_a_lens_starts_as_a_copy_of_the_current_shared_version(lens, kent):
    shared = current_definition()
    assert (lens.force, lens.version, lens.status, lens.based_on) == (kent, 1, "draft", shared)
    assert list(lens.rungs.values_list("position", "name")) == list(
        shared.rungs.values_list("position", "name")
    )
    assert lens.kinds.count() == shared.kinds.count()


def test_a_lens_is_never_a_shared_version(lens, in_process):
    publish(lens, in_process)
    assert current_definition().version == 1 and current_definition().force is None
    assert not EngagementDefinition.objects.filter(pk=lens.pk).exists()
    assert create_draft().version == 2  # the shared numbering ignores lenses


def test_publishing_a_lens_retires_the_forces_previous_lens_only(lens, kent, in_process):
    publish(lens, in_process)
    second = create_draft(based_on=lens)
    assert (second.force, second.version) == (kent, 2)
    in_process(lambda: publish_definition(definition=second))
    lens.refresh_from_db()
    assert lens.status == DefinitionStatus.RETIRED
    assert current_definition().status == DefinitionStatus.PUBLISHED


def test_a_lens_changes_only_its_own_forces_lens_figures(counted, lens, kent, in_process):
    shared = DistributionSnapshot.objects.get(is_current=True, definition__force__isnull=True)
    snapshot = publish(lens, in_process)
    rows = Distribution.objects.filter(snapshot=snapshot)
    assert set(rows.values_list("force__slug", flat=True)) == {"kent"}
    lens_year = dict(
        rows.filter(scope="force", period="2026").values_list("rung_position", "citizens")
    )
    shared_year = dict(
        Distribution.objects.filter(
            snapshot=shared, force=kent, scope="force", period="2026"
        ).values_list("rung_position", "citizens")
    )
    assert lens_year != shared_year
    assert sum(v for p, v in lens_year.items() if p) == sum(v for p, v in shared_year.items() if p)


def test_shared_figures_and_exports_are_byte_identical_before_and_after_a_lens_is_published(
    counted, lens, api_client, in_process
):
    before = shared_exports(api_client)
    publish(lens, in_process)
    assert RecomputeRun.objects.filter(definition=lens, status="succeeded").exists()
    assert shared_exports(api_client) == before


def test_the_overview_and_compare_show_no_lens(counted, lens, api_client, in_process, client):
    client.force_login(StaffFactory())
    pages = ("/", "/compare/?forces=kent,dyfed-powys")
    before = [page_text(client.get(page)) for page in pages]
    publish(lens, in_process)
    assert [page_text(client.get(page)) for page in pages] == before


def test_a_lens_is_exported_only_when_asked_for_by_name(counted, lens, in_process, api_client):
    publish(lens, in_process)
    rows = list(csv.DictReader(io.StringIO(export("--lens", "kent", "--scope", "force"))))
    assert rows and {row["force"] for row in rows} == {"kent"}
    assert rows == list(
        csv.DictReader(io.StringIO(export("--lens", str(lens.pk), "--scope", "force")))
    )
    co_designers = [r for r in rows if r["period"] == "2026" and r["rung_position"] == "6"]
    shared = [
        r
        for r in csv.DictReader(io.StringIO(export("--force", "kent", "--scope", "force")))
        if r["period"] == "2026" and r["rung_position"] == "6"
    ]
    assert co_designers != shared
    response = api_client.get("/api/v1/distributions/", {"lens": "kent", "period": "2026"})
    assert response.status_code == 200
    assert {row["force"] for row in response.json()["results"]} == {"kent"}


def test_asking_for_a_lens_a_force_does_not_keep_names_the_problem(counted, api_client):
    response = api_client.get("/api/v1/distributions/", {"lens": "essex"})
    assert response.status_code == 400
    assert "local lens 'essex'" in str(response.json())


def test_a_draft_lens_is_never_exported(lens, api_client):
    assert api_client.get("/api/v1/distributions/", {"lens": "kent"}).status_code == 400


def test_the_shared_run_recomputes_every_published_lens_after_it(counted, lens, in_process):
    publish(lens, in_process)
    in_process(lambda: request_recompute(definition=current_definition(), full=True))
    runs = RecomputeRun.objects.filter(definition=lens).order_by("pk")
    assert [run.status for run in runs] == ["succeeded", "succeeded"]


def test_a_lens_run_leaves_the_stale_marks_to_the_shared_run(counted, lens, kent, in_process):
    publish(lens, in_process)
    StaleMonth.objects.create(force=kent, local_month=24314)
    from engagement.ladder.recompute import recompute_lenses

    (run,) = recompute_lenses()
    assert run.status == "succeeded" and run.covered["marks"] == []
    assert StaleMonth.objects.filter(force=kent).exists()


# --- Who may keep a lens ----------------------------------------------------------------------


def data_manager_of(force):
    return UserFactory(
        password=None, is_staff=True, roles=["Force data managers"], forces=[force.slug]
    )


def test_a_forces_data_manager_creates_its_lens_in_the_admin(client, kent):
    client.force_login(data_manager_of(kent))
    response = client.post(reverse("admin:engagement_locallens_new_lens"), {"force": kent.pk})
    lens = LocalLens.objects.get()
    assert response.status_code == 302 and lens.force == kent
    assert response["Location"] == reverse("admin:engagement_locallens_change", args=[lens.pk])


def test_a_data_manager_cannot_create_another_forces_lens(client, kent):
    client.force_login(data_manager_of(Force.objects.get(slug="essex")))
    response = client.post(reverse("admin:engagement_locallens_new_lens"), {"force": kent.pk})
    assert response.status_code == 403
    assert not LocalLens.objects.exists()


def test_a_forces_data_manager_previews_its_lens_but_not_the_shared_draft(client, lens, kent):
    client.force_login(data_manager_of(kent))
    assert client.get(reverse("preview:impact", args=[lens.pk])).status_code == 200
    assert client.get(reverse("preview:impact", args=[create_draft().pk])).status_code == 403


def test_a_forces_data_manager_discards_its_draft_lens(client, lens, kent):
    client.force_login(data_manager_of(kent))
    response = client.post(
        reverse("admin:engagement_locallens_delete", args=[lens.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not LocalLens.objects.exists()


def test_a_forces_data_manager_discards_its_previewed_lens_from_the_list(
    client, counted, lens, kent, in_process
):
    in_process(lambda: request_recompute(definition=lens, full=True))
    assert DistributionSnapshot.objects.filter(definition=lens, is_preview=True).exists()
    client.force_login(data_manager_of(kent))
    changelist = reverse("admin:engagement_locallens_changelist")
    assert 'value="delete_selected"' in client.get(changelist).content.decode()
    response = client.post(
        changelist, {"action": "delete_selected", "_selected_action": [lens.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not LocalLens.objects.exists()
    assert not RecomputeRun.objects.filter(definition_id=lens.pk).exists()
    assert not DistributionSnapshot.objects.filter(definition_id=lens.pk).exists()


def test_keeping_a_lens_without_the_delete_right_does_not_discard_it(client, lens, kent):
    keeper = data_manager_of(kent)
    keeper.groups.clear()
    keeper.user_permissions.set(role_permissions(["engagement.change_locallens"]))
    client.force_login(keeper)
    response = client.post(
        reverse("admin:engagement_locallens_delete", args=[lens.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert LocalLens.objects.filter(pk=lens.pk).exists()


# --- The force page -----------------------------------------------------------------------------


def test_the_force_page_shows_the_shared_ladder_and_the_lens_side_by_side(
    counted, lens, in_process, client
):
    publish(lens, in_process)
    client.force_login(AnalystFactory(password=None))
    shared_page = client.get("/forces/kent/", {"period_type": "year", "period": "2026"})
    assert "Local lens" in shared_page.content.decode()
    assert "lens_rows" not in shared_page.context
    page = client.get("/forces/kent/", {"period_type": "year", "period": "2026", "ladder": "lens"})
    rows = {row["position"]: row for row in page.context["lens_rows"]}
    assert rows[6]["lens"] > rows[6]["shared"]
    assert rows[2]["lens"] < rows[2]["shared"]


def test_a_force_without_a_lens_offers_no_switch(counted, client):
    client.force_login(AnalystFactory(password=None))
    page = client.get("/forces/kent/")
    assert "Local lens" not in page.content.decode()


def test_the_lens_admin_lists_a_lens_and_opens_it_with_its_preview_link(client, lens):
    client.force_login(StaffFactory())
    listing = client.get(reverse("admin:engagement_locallens_changelist")).content.decode()
    assert "Kent Police" in listing and "Create a local lens" in listing
    page = client.get(reverse("admin:engagement_locallens_change", args=[lens.pk])).content.decode()
    assert 'name="rungs-0-name"' in page
    assert reverse("preview:impact", args=[lens.pk]) in page
    shared = client.get(reverse("admin:engagement_engagementdefinition_changelist"))
    assert "Kent Police" not in shared.content.decode()


def test_a_lens_is_audited_like_the_shared_definition(client, lens):
    editor = StaffFactory()
    client.force_login(editor)
    rung = lens.rungs.get(position=3)
    rung.name = "Taking part"
    rung._history_user = editor  # as the admin's request would record it
    rung.save()
    assert rung.history.first().history_user == editor
    assert lens.history.first().force_id == lens.force_id
    history = client.get(reverse("admin:engagement_locallens_history", args=[lens.pk]))
    assert history.status_code == 200
