import pytest
from django.urls import reverse

from engagement.models import ImportBatch, Interaction
from forces.models import Force, Platform
from tests.factories import ChannelFactory, StaffFactory, UserFactory
from tests.ingestion import UNKNOWN_KIND

pytestmark = pytest.mark.django_db

URL = "/api/v1/interactions/"


@pytest.fixture(autouse=True)
def kent_twitter():
    ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="twitter-main", platform=Platform.TWITTER
    )


def row(**changes):
    return {
        "force": "kent",
        "channel": "twitter-main",
        "citizen": "@JaneDoe",
        "kind": "view",
        "occurred_at": "2026-05-01T10:00:00Z",
        "external_id": "e1",
    } | changes


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def test_the_endpoint_is_routed_at_api_v1_interactions():
    assert reverse("api-interactions-import") == URL


def test_a_valid_list_is_imported_and_counted(staff_client):
    response = staff_client.post(
        URL, [row(), row(external_id="e2", kind="like"), row()], content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json() == {"rows_read": 3, "created": 2, "duplicates": 1, "dry_run": False}
    assert Interaction.objects.count() == 2
    assert ImportBatch.objects.get().source == ImportBatch.Source.API


def test_any_bad_object_answers_400_with_every_problem_by_index_and_writes_nothing(staff_client):
    response = staff_client.post(
        URL,
        [
            row(),
            row(kind="poke", external_id="e2"),
            row(occurred_at=42, external_id=None, citizen=""),
        ],
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid_rows",
        "message": "2 problems with the rows sent; nothing was imported.",
        "errors": [
            {
                "index": 1,
                "field": "kind",
                "message": UNKNOWN_KIND,
            },
            {"index": 2, "field": "occurred_at", "message": "must be text"},
        ],
        "more": 0,
    }
    assert not Interaction.objects.exists()


def test_missing_and_unknown_fields_are_problems(staff_client):
    body = [{k: v for k, v in row().items() if k != "citizen"} | {"colour": "blue"}]
    response = staff_client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "colour", "message": "is not a known field"},
        {"index": 0, "field": "citizen", "message": "is missing"},
    ]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            {"force": "kent"},
            {
                "index": None,
                "field": "body",
                "message": "must be a JSON list of interaction objects",
            },
        ),
        ([], {"index": None, "field": "body", "message": "holds no interactions"}),
        (
            ["text"],
            {
                "index": 0,
                "field": "row",
                "message": "must be an object with the interaction's fields",
            },
        ),
    ],
)
def test_a_body_that_is_not_a_list_of_objects_is_a_400(staff_client, body, error):
    response = staff_client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert (body["status"], body["code"], body["errors"], body["more"]) == (
        400,
        "invalid_rows",
        [error],
        0,
    )


def test_malformed_json_is_a_400_in_the_same_shape(staff_client):
    response = staff_client.post(URL, "[{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_rows"
    assert response.json()["errors"][0]["field"] == "body"
    assert response.json()["errors"][0]["message"].startswith("is not valid JSON")


def test_a_dry_run_answers_200_and_writes_nothing(staff_client):
    response = staff_client.post(URL + "?dry_run=true", [row()], content_type="application/json")
    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert not Interaction.objects.exists()


def test_an_anonymous_request_is_refused(client):
    response = client.post(URL, [row()], content_type="application/json")
    assert response.status_code in {401, 403}
    assert not Interaction.objects.exists()


def test_problems_beyond_the_hundredth_are_counted_in_more(staff_client):
    rows = [row(kind="poke", external_id=f"e{n}") for n in range(103)]
    response = staff_client.post(URL, rows, content_type="application/json")
    body = response.json()
    assert (len(body["errors"]), body["more"]) == (100, 3)
    assert body["message"] == "103 problems with the rows sent; nothing was imported."


def test_a_refusal_without_the_permission_has_the_shared_error_body(client):
    client.force_login(UserFactory())
    body = client.post(URL, [row()], content_type="application/json").json()
    assert (body["status"], body["code"], body["errors"]) == (403, "permission_denied", {})


def test_a_signed_in_user_without_the_permission_is_refused(client):
    client.force_login(UserFactory())
    assert client.post(URL, [row()], content_type="application/json").status_code == 403


def test_a_force_data_manager_may_import_for_their_force(client):
    client.force_login(UserFactory(roles=["Force data managers"], forces=["kent"]))
    assert client.post(URL, [row()], content_type="application/json").status_code == 201
