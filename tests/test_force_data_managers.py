"""Force data managers change the data of their own forces only: the upload page, the API and
the admin's channels. A file or request with a row for another force is refused whole."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from engagement.models import ImportBatch, Interaction
from forces.models import Channel, Force, Platform
from tests.factories import ChannelFactory, UserFactory
from tests.ingestion import INTERACTION_HEADER

pytestmark = pytest.mark.django_db

NOT_YOURS = "is not one of your forces; you may import only for your own"


@pytest.fixture(autouse=True)
def channels():
    for slug in ("kent", "essex"):
        ChannelFactory(force=Force.objects.get(slug=slug), slug="main", platform=Platform.TWITTER)


@pytest.fixture
def kent_manager(client):
    client.force_login(UserFactory(password=None, roles=["Force data managers"], forces=["kent"]))
    return client


def upload(client, what: str, text: str):
    file = SimpleUploadedFile("rows.csv", text.encode(), content_type="text/csv")
    return client.post("/imports/", {"what": what, "file": file})


def test_an_upload_with_rows_for_another_force_is_refused_whole_naming_them(kent_manager):
    response = upload(
        kent_manager,
        "interactions",
        f"{INTERACTION_HEADER}\n"
        "kent,main,a,view,2026-05-01T10:00:00Z,e1\n"
        "essex,main,b,view,2026-05-01T10:00:00Z,e2\n"
        "essex,main,c,view,2026-05-01T10:00:00Z,e3\n",
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert f"line 3: force: &#x27;essex&#x27; {NOT_YOURS}" in page
    assert f"line 4: force: &#x27;essex&#x27; {NOT_YOURS}" in page
    assert not Interaction.objects.exists()


def test_an_upload_for_their_own_force_is_imported(kent_manager):
    response = upload(
        kent_manager,
        "interactions",
        f"{INTERACTION_HEADER}\nkent,main,a,view,2026-05-01T10:00:00Z,e1\n",
    )
    assert response.status_code == 200
    assert Interaction.objects.get().force.slug == "kent"


def test_channels_for_another_force_are_refused(kent_manager):
    response = upload(
        kent_manager,
        "channels",
        "force,channel,platform,name\nkent,new,twitter,Kent new\nessex,new,twitter,Essex new\n",
    )
    assert response.status_code == 400
    assert f"line 3: force: &#x27;essex&#x27; {NOT_YOURS}" in response.content.decode()
    assert not Channel.objects.filter(slug="new").exists()


def test_the_upload_page_names_the_managers_forces(kent_manager):
    assert (
        "You import for <strong>kent</strong> only"
        in kent_manager.get("/imports/").content.decode()
    )


def test_an_api_request_with_a_row_for_another_force_is_refused_whole_by_index(kent_manager):
    rows = [
        {
            "force": force,
            "channel": "main",
            "citizen": "a",
            "kind": "view",
            "occurred_at": "2026-05-01T10:00:00Z",
            "external_id": force,
        }
        for force in ("kent", "essex")
    ]
    response = kent_manager.post("/api/v1/interactions/", rows, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 1, "field": "force", "message": f"'essex' {NOT_YOURS}"}
    ]
    assert not Interaction.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED


def test_a_manager_changes_their_forces_channels_in_the_admin_and_only_those(client):
    manager = UserFactory(
        password=None, is_staff=True, roles=["Force data managers"], forces=["kent"]
    )
    client.force_login(manager)
    kent, essex = (Channel.objects.get(force__slug=slug) for slug in ("kent", "essex"))
    form = {"slug": "main", "platform": "twitter", "name": "Renamed", "active": "on"}

    refused = client.post(
        f"/admin/forces/channel/{essex.pk}/change/", {**form, "force": essex.force_id}
    )
    saved = client.post(
        f"/admin/forces/channel/{kent.pk}/change/", {**form, "force": kent.force_id}
    )

    assert refused.status_code == 403
    assert saved.status_code == 302
    assert [c.name for c in Channel.objects.order_by("force__slug")] == [
        essex.name,
        "Renamed",
    ]


def test_a_new_channel_in_the_admin_may_only_belong_to_their_forces(client):
    client.force_login(
        UserFactory(password=None, is_staff=True, roles=["Force data managers"], forces=["kent"])
    )
    page = client.get("/admin/forces/channel/add/").content.decode()
    assert ">Kent Police</option>" in page
    assert ">Essex Police</option>" not in page
