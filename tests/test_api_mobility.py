"""/api/v1/mobility/ and /api/v1/similar-forces/: the same figures as the command, in the schema."""

import io

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from engagement.ladder.similarity import MIN_ENGAGED
from engagement.models import Transition
from engagement.store.mobility import MOBILITY_FIELDS
from engagement.store.similarity import similar_forces_in
from tests.ingestion import EXAMPLES
from tests.recompute_helpers import current_snapshot, import_files, succeed

pytestmark = pytest.mark.django_db
URL = "/api/v1/mobility/"
SIMILAR_URL = "/api/v1/similar-forces/"


@pytest.fixture
def small_example(db):
    import_files(EXAMPLES / "small")
    return succeed().snapshot


def command_csv(**options) -> str:
    output = io.StringIO()
    call_command("export_mobility", stdout=output, **options)
    return output.getvalue()


def api_csv(api_client, **params) -> str:
    response = api_client.get(URL, {"format": "csv", **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode("utf-8")


def test_the_csv_equals_the_commands_output(api_client, small_example):
    assert api_csv(api_client) == command_csv()


def test_the_csv_with_filters_equals_the_command_with_the_same_filters(api_client, small_example):
    params = {"period_type": "quarter", "force": "kent,gwent"}
    assert api_csv(api_client, **params) == command_csv(period_type="quarter", force="kent,gwent")


def test_json_rows_carry_the_mobility_csv_columns_and_every_stored_pair(api_client, small_example):
    response = api_client.get(URL, {"period_type": "month", "force": "kent", "page_size": 1000})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert set(rows[0]) == {*MOBILITY_FIELDS, "suppressed"}
    stored = Transition.objects.filter(
        snapshot=small_example, period_type="month", force__slug="kent"
    )
    assert len(rows) == stored.count()
    assert sum(row["citizens"] for row in rows) == sum(t.citizens for t in stored)


def test_an_unknown_force_is_a_400_naming_the_parameter(api_client, small_example):
    response = api_client.get(URL, {"force": "atlantis"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"force": ["Unknown force: atlantis."]}


def test_the_mobility_and_similar_forces_endpoints_are_in_the_schema_with_their_filters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    mobility = {p["name"] for p in schema["paths"][URL]["get"]["parameters"]}
    assert {"definition", "period_type", "force", "region", "page"} <= mobility
    mobility_csv = {p["name"] for p in schema["paths"]["/api/v1/mobility.csv"]["get"]["parameters"]}
    assert {"definition", "period_type", "force", "region", "bom"} <= mobility_csv
    similar = {p["name"] for p in schema["paths"][SIMILAR_URL]["get"]["parameters"]}
    assert {"definition", "period_type", "period", "force"} <= similar


def test_similar_forces_lists_the_stores_ranking_for_the_period(api_client, published):
    response = api_client.get(SIMILAR_URL, {"period": "2026-04"})
    assert response.status_code == 200
    listed = {row["force"]: row for row in response.json()}
    found = similar_forces_in(published, period_type="month", period="2026-04")
    assert found.forces["alpha"].has_shape and found.forces["bravo"].has_shape
    assert set(listed) == set(found.forces)
    alpha = listed["alpha"]
    (bravo,) = found.forces["alpha"].neighbours
    assert alpha["similar"] == [
        {"force": "bravo", "name": "Bravo Police", "distance": round(bravo.distance, 6)}
    ]
    assert alpha["engaged"] == found.forces["alpha"].engaged


def test_similar_forces_says_a_force_with_too_few_engaged_has_no_shape(api_client, small_example):
    response = api_client.get(SIMILAR_URL, {"period": "2026-Q2", "force": "kent"})
    (kent,) = response.json()
    assert kent["engaged"] < MIN_ENGAGED  # the small example has a handful of citizens a force
    assert (kent["has_shape"], kent["similar"]) == (False, [])
    assert current_snapshot() == small_example
