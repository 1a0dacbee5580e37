import csv
import io

import pytest

from engagement.definitions.services import create_draft, publish_definition
from engagement.models import RecomputeRun
from tests.factories import ChannelFactory, ForceFactory, RecomputeRunFactory

pytestmark = pytest.mark.django_db


def csv_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


def test_forces_list_all_43_forces_with_their_population(api_client):
    body = api_client.get("/api/v1/forces/").json()
    assert body["count"] == 43
    kent = next(f for f in body["results"] if f["slug"] == "kent")
    assert kent["name"] == "Kent Police"
    assert kent["population"] > 1_000_000


def test_forces_filter_by_region(api_client):
    body = api_client.get("/api/v1/forces/", {"region": "wales"}).json()
    assert body["count"] == 4
    assert {f["country"] for f in body["results"]} == {"Wales"}


def test_a_force_is_read_by_its_slug(api_client):
    assert api_client.get("/api/v1/forces/kent/").json()["name"] == "Kent Police"


def test_an_unknown_force_gets_a_404_with_the_error_body(api_client):
    response = api_client.get("/api/v1/forces/atlantis/")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "code": "not_found",
        "message": "No Force matches the given query.",
        "errors": {},
    }


def test_channels_list_with_force_slug_and_filters(api_client):
    force = ForceFactory(slug="alpha")
    ChannelFactory(force=force, slug="x-main", platform="twitter", team="North team")
    ChannelFactory(force=force, slug="fb-main", platform="facebook")
    ChannelFactory(platform="facebook")
    body = api_client.get("/api/v1/channels/", {"force": "alpha", "platform": "twitter"}).json()
    assert [(c["force"], c["slug"], c["team"]) for c in body["results"]] == [
        ("alpha", "x-main", "North team")
    ]


def test_a_channel_is_read_by_its_id(api_client):
    channel = ChannelFactory()
    assert api_client.get(f"/api/v1/channels/{channel.pk}/").json()["slug"] == channel.slug


def test_definitions_list_published_and_retired_versions_not_drafts(api_client):
    publish_definition(definition=create_draft())
    create_draft()  # v3, a draft
    body = api_client.get("/api/v1/definitions/").json()
    assert [(d["version"], d["status"], d["current"]) for d in body["results"]] == [
        (2, "published", True),
        (1, "retired", False),
    ]
    assert api_client.get("/api/v1/definitions/3/").status_code == 404


def test_a_definition_carries_its_rungs_and_kinds(api_client):
    body = api_client.get("/api/v1/definitions/1/").json()
    assert [r["slug"] for r in body["rungs"]][:2] == ["none", "passive"]
    follow = next(k for k in body["kinds"] if k["slug"] == "follow")
    assert follow == {
        "slug": "follow",
        "rung_position": 1,
        "lasting": True,
        "ended_by": "unfollow",
        "description": follow["description"],
    }


def test_current_names_the_published_definition(api_client):
    publish_definition(definition=create_draft())
    body = api_client.get("/api/v1/definitions/current/").json()
    assert (body["version"], body["current"]) == (2, True)


def test_recompute_runs_newest_first_and_filtered(api_client):
    older = RecomputeRunFactory(status=RecomputeRun.Status.FAILED, error="boom")
    newer = RecomputeRunFactory()
    body = api_client.get("/api/v1/recompute-runs/").json()
    assert [r["id"] for r in body["results"]] == [newer.pk, older.pk]
    failed = api_client.get("/api/v1/recompute-runs/", {"status": "failed"}).json()
    assert [(r["id"], r["definition"], r["error"]) for r in failed["results"]] == [
        (older.pk, 1, "boom")
    ]


def test_a_bad_list_filter_gets_a_400_naming_it(api_client):
    response = api_client.get("/api/v1/recompute-runs/", {"status": "sleeping"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status"]


@pytest.mark.parametrize(
    ("url", "expected_rows", "column"),
    [
        ("/api/v1/forces/", 46, "population"),  # 43 and the channels' 3
        ("/api/v1/definitions/", 1, "rungs"),
        ("/api/v1/recompute-runs/", 2, "status"),
        ("/api/v1/channels/", 3, "team"),
    ],
)
def test_every_list_answers_format_csv_with_all_its_rows(api_client, url, expected_rows, column):
    ChannelFactory.create_batch(3)
    RecomputeRunFactory.create_batch(2)
    response = api_client.get(url, {"format": "csv", "page_size": 1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    table = csv_of(response)
    assert len(table) == expected_rows  # the whole list, not one page
    assert column in table[0]


def test_csv_lists_honour_the_filters(api_client):
    table = csv_of(api_client.get("/api/v1/forces/", {"format": "csv", "region": "Wales"}))
    assert len(table) == 4


def test_csv_lists_can_start_with_a_bom(api_client):
    response = api_client.get("/api/v1/forces/", {"format": "csv", "bom": "1"})
    assert b"".join(response.streaming_content).startswith("\ufeff".encode())


def test_a_single_object_answers_format_csv(api_client):
    response = api_client.get("/api/v1/forces/kent/", {"format": "csv"})
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("slug,name,region")
    assert lines[1].startswith("kent,Kent Police")


@pytest.mark.parametrize(
    "url", ["/api/v1/channels/", "/api/v1/definitions/", "/api/v1/recompute-runs/"]
)
def test_a_list_runs_the_same_number_of_queries_however_long_it_is(api_client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get(url).status_code == 200
        return len(captured)

    ChannelFactory()
    RecomputeRunFactory()
    before = queries()
    ChannelFactory.create_batch(5)
    RecomputeRunFactory.create_batch(5)
    publish_definition(definition=create_draft())
    assert queries() == before
