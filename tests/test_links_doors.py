"""Links through every door but the command line: the upload page and the API, for links and
their withdrawal; a force data manager records and withdraws links for their own forces only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from engagement.models import ImportBatch, Link
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "force,platform,citizen,linked_platform,linked_citizen,consented_at,external_id"
NOT_YOURS = "is not one of your forces; you may import only for your own"


def row(**changes) -> dict:
    return {
        "force": "kent",
        "platform": "twitter",
        "citizen": "@Climber",
        "linked_platform": "offline",
        "linked_citizen": "vol-17",
        "consented_at": "2026-05-21",
    } | changes


@pytest.fixture
def kent_manager(client):
    client.force_login(UserFactory(password=None, roles=["Force data managers"], forces=["kent"]))
    return client


def upload(client, what: str, *lines: str):
    text = "\n".join([HEADER, *lines, ""])
    file = SimpleUploadedFile("links.csv", text.encode(), content_type="text/csv")
    return client.post("/imports/", {"what": what, "file": file})


def post(client, url: str, rows):
    return client.post(url, rows, content_type="application/json")


def test_the_endpoints_are_routed_under_api_v1_links():
    assert reverse("api-links-import") == "/api/v1/links/"
    assert reverse("api-links-withdraw") == "/api/v1/links/withdrawals/"


def test_the_upload_page_offers_links_and_withdrawals_to_a_data_manager(kent_manager):
    page = kent_manager.get("/imports/").content.decode()

    assert 'value="links"' in page and 'value="link_withdrawals"' in page


def test_a_manager_uploads_links_for_their_force(kent_manager):
    response = upload(kent_manager, "links", "kent,twitter,climber,offline,vol-17,2026-05-21,")

    assert response.status_code == 200
    assert Link.objects.get().force.slug == "kent"
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.source, batch.created) == ("links", "upload", 1)


def test_a_manager_is_refused_another_forces_links_on_the_upload_page(kent_manager):
    response = upload(
        kent_manager,
        "links",
        "kent,twitter,climber,offline,vol-17,,",
        "essex,twitter,climber,offline,vol-17,,",
    )

    assert response.status_code == 400
    assert f"line 3: force: &#x27;essex&#x27; {NOT_YOURS}" in response.content.decode()
    assert not Link.objects.exists()


def test_a_manager_withdraws_links_on_the_upload_page_and_sees_those_not_held(kent_manager):
    upload(kent_manager, "links", "kent,twitter,climber,offline,vol-17,,")

    response = upload(
        kent_manager,
        "link_withdrawals",
        "kent,offline,vol-17,twitter,climber,,",
        "kent,twitter,nobody,offline,x,,",
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="withdrawn">1<' in page
    assert "line 3: link: is not held in kent" in page
    assert not Link.objects.exists()


def test_the_api_records_links_and_counts_a_repeat_as_a_duplicate(kent_manager):
    response = post(
        kent_manager,
        "/api/v1/links/",
        [
            row(),
            row(
                citizen="vol-17",
                platform="offline",
                linked_citizen="climber",
                linked_platform="twitter",
            ),
        ],
    )

    assert response.status_code == 201
    assert response.json() == {"rows_read": 2, "created": 1, "duplicates": 1, "dry_run": False}
    assert Link.objects.get().source == ImportBatch.Source.API


def test_the_api_refuses_a_data_manager_another_forces_links_whole(kent_manager):
    response = post(kent_manager, "/api/v1/links/", [row(), row(force="essex")])

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 1, "field": "force", "message": f"'essex' {NOT_YOURS}"}
    ]
    assert not Link.objects.exists()


def test_the_api_refuses_a_data_manager_withdrawing_another_forces_links(kent_manager, client):
    post(kent_manager, "/api/v1/links/", [row()])

    response = post(kent_manager, "/api/v1/links/withdrawals/", [row(force="essex")])

    assert response.status_code == 400
    assert Link.objects.count() == 1


def test_the_api_withdraws_links_and_lists_those_not_held(kent_manager):
    post(kent_manager, "/api/v1/links/", [row()])

    response = post(
        kent_manager, "/api/v1/links/withdrawals/", [row(), row(citizen="someone-else")]
    )

    assert response.status_code == 200
    assert response.json() == {
        "rows_read": 2,
        "withdrawn": 1,
        "not_held": ["index 1: link: is not held in kent (or named earlier); nothing to withdraw"],
        "dry_run": False,
    }
    assert not Link.objects.exists()


def test_a_dry_run_through_the_api_writes_nothing(kent_manager):
    response = post(kent_manager, "/api/v1/links/?dry_run=true", [row()])

    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert not Link.objects.exists()


def test_an_analyst_may_not_post_links(client):
    client.force_login(UserFactory(password=None, roles=["Analysts"]))

    assert post(client, "/api/v1/links/", [row()]).status_code == 403
    assert post(client, "/api/v1/links/withdrawals/", [row()]).status_code == 403
