import csv
import io
from decimal import Decimal

import pytest
from django.utils.http import http_date

from engagement.definitions.services import create_draft, publish_definition
from engagement.store.selectors import ROW_EXTRAS, ROW_FIELDS
from tests.factories import DistributionFactory, SnapshotFactory, long_layout_size

pytestmark = pytest.mark.django_db
URL = "/api/v1/distributions/"


def rows(api_client, **params):
    params.setdefault("page_size", 1000)
    response = api_client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_an_anonymous_client_is_refused_with_the_error_body(client, published):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    body = response.json()
    assert body["status"] == response.status_code
    assert body["code"] == "not_authenticated"
    assert body["errors"] == {}


def test_without_filters_every_row_of_the_current_snapshot_is_listed(api_client, published):
    listed = rows(api_client)
    assert len(listed) == long_layout_size(published)
    assert all(row["citizens"] != 999_999 for row in listed)


def test_a_row_carries_the_long_layout_fields(api_client, published):
    row = rows(api_client, period="2026-04", scope="force", force="alpha")[1]
    assert set(row) == {*ROW_FIELDS, *ROW_EXTRAS, "suppressed", "partial"}
    assert (row["definition_version"], row["force"], row["channel"]) == (1, "alpha", None)
    assert row["rung"] == ["none", "passive"][row["rung_position"]] or row["rung_position"] > 1


def test_share_of_population_is_citizens_over_rungs_0_to_6(api_client, published):
    listed = rows(api_client, period="2026-04", scope="force", force="alpha")
    total = sum(row["citizens"] for row in listed)
    assert total == 5000  # rung 0 is the population minus the engaged
    for row in listed:
        expected = round(Decimal(row["citizens"]) / total, 10)
        assert Decimal(str(row["share_of_population"])) == pytest.approx(
            expected, abs=Decimal("1e-10")
        )


def test_share_of_engaged_is_citizens_over_rungs_1_to_6(api_client, published):
    listed = rows(api_client, period="2026-04", scope="force", force="alpha")
    assert listed[0]["rung_position"] == 0 and listed[0]["share_of_engaged"] is None
    engaged = sum(row["citizens"] for row in listed[1:])
    for row in listed[1:]:
        assert row["share_of_engaged"] == pytest.approx(row["citizens"] / engaged, abs=1e-10)


def test_shares_leave_out_an_unknown_rung_0(api_client, published):
    listed = rows(api_client, period="2026-04", scope="force", force="bravo")
    assert listed[0]["rung_position"] == 0
    assert listed[0]["citizens"] is None and listed[0]["share_of_engaged"] is None
    assert {row["share_of_population"] for row in listed} == {None}
    assert sum(Decimal(str(r["share_of_engaged"])) for r in listed[1:]) == pytest.approx(1)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"period_type": "quarter"}, {("quarter", "2026-Q1"), ("quarter", "2026-Q2")}),
        ({"period": "2026-Q2"}, {("quarter", "2026-Q2")}),
        ({"period": "2026"}, {("year", "2026")}),
        ({"period": "2025-26"}, {("financial_year", "2025-26")}),
        (
            {"period_from": "2026-04", "period_to": "2026-05"},
            {("month", "2026-04"), ("month", "2026-05")},
        ),
        (
            {"period_type": "month", "period_from": "2026-04"},
            {("month", "2026-04"), ("month", "2026-05")},
        ),
        ({"period_type": "month", "period_to": "2026-03"}, {("month", "2026-03")}),
    ],
)
def test_period_filters_select_the_periods_asked_for(api_client, published, params, expected):
    assert {(r["period_type"], r["period"]) for r in rows(api_client, **params)} == expected


def test_scope_filter(api_client, published):
    assert {r["scope"] for r in rows(api_client, scope="channel")} == {"channel"}
    assert {r["channel"] for r in rows(api_client, scope="force")} == {None}


def test_force_filter_takes_a_comma_list(api_client, published):
    assert {r["force"] for r in rows(api_client, force="alpha")} == {"alpha"}
    assert {r["force"] for r in rows(api_client, force="alpha,bravo")} == {"alpha", "bravo"}


def test_region_filter(api_client, published):
    assert {r["force"] for r in rows(api_client, region="south")} == {"bravo"}


def test_channel_filter_keeps_that_channel_only(api_client, published):
    listed = rows(api_client, channel="offline-main")
    assert listed and {(r["scope"], r["channel"]) for r in listed} == {("channel", "offline-main")}


def test_platform_filter_keeps_that_platform_and_its_channels(api_client, published):
    DistributionFactory(
        snapshot=published,
        scope="platform",
        platform="facebook",
        force=published.rows.first().force,
    )
    listed = rows(api_client, platform="facebook")
    assert {(r["scope"], r["platform"], r["channel"]) for r in listed} >= {
        ("channel", "facebook", "facebook-main"),
        ("platform", "facebook", None),
    }
    assert {r["platform"] for r in listed} == {"facebook"}


def test_definition_filter_reads_that_versions_current_snapshot(api_client, published):
    publish_definition(definition=create_draft())  # v2 is current now; it has no figures yet
    assert rows(api_client) == []
    assert len(rows(api_client, definition=1)) == long_layout_size(published)


def test_results_are_ordered_by_period_force_scope_and_rung(api_client, published):
    listed = rows(api_client, period="2026-04")
    scope_order = {"force": 0, "platform": 1, "channel": 2}
    keys = [
        (r["force"], scope_order[r["scope"]], r["channel"] or "", r["rung_position"])
        for r in listed
    ]
    assert keys == sorted(keys)
    assert listed[0]["channel"] is None


def test_lists_are_paginated(api_client, published):
    first = api_client.get(URL, {"page_size": 5}).json()
    assert first["count"] == long_layout_size(published)
    assert len(first["results"]) == 5
    second = api_client.get(first["next"]).json()
    assert second["results"][0] != first["results"][0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2026-13"}, "period"),
        ({"period_type": "month", "period": "2026-Q1"}, "period"),
        ({"period": "2026-04", "period_from": "2026-01"}, "period"),
        ({"period_from": "2026-05", "period_to": "2026-03"}, "period_to"),
        ({"period_from": "2026-05", "period_to": "2026-Q3"}, "period_to"),
        ({"definition": "7"}, "definition"),
        ({"definition": "x"}, "definition"),
        ({"force": "alpha,atlantis"}, "force"),
        ({"region": "Atlantis"}, "region"),
        ({"scope": "planet"}, "scope"),
        ({"platform": "myspace"}, "platform"),
    ],
)
def test_bad_filters_get_a_400_naming_the_parameter(api_client, published, params, field):
    response = api_client.get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["code"] == "invalid"
    assert list(body["errors"]) == [field]
    assert field in body["message"]


def test_an_unknown_page_gets_a_404_with_the_error_body(api_client, published):
    response = api_client.get(URL, {"page": 999})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_reads_carry_an_etag_and_last_modified(api_client, published):
    response = api_client.get(URL)
    assert response["ETag"]
    assert response["Last-Modified"]


def test_a_matching_etag_gets_a_304(api_client, published):
    etag = api_client.get(URL, {"period": "2026-04"})["ETag"]
    response = api_client.get(URL, {"period": "2026-04"}, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_an_unchanged_last_modified_gets_a_304(api_client, published):
    published.published_at = published.created_at
    published.save()
    response = api_client.get(
        URL, HTTP_IF_MODIFIED_SINCE=http_date(published.created_at.timestamp() + 1)
    )
    assert response.status_code == 304


def test_new_figures_change_the_etag(api_client, published):
    etag = api_client.get(URL)["ETag"]
    published.is_current = False
    published.save()
    DistributionFactory(snapshot=SnapshotFactory())
    response = api_client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_format_csv_answers_the_whole_list_in_the_long_layout(api_client, published):
    response = api_client.get(URL, {"format": "csv", "period": "2026-04"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="ladder-v1-2026-04-all-scopes-long.csv"' in response["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(table) == long_layout_size(published, period="2026-04")


def test_format_csv_with_wide_layout(api_client, published):
    response = api_client.get(URL, {"format": "csv", "layout": "wide", "period": "2026-04"})
    header = b"".join(response.streaming_content).decode().splitlines()[0]
    assert header.endswith("share_of_population_6_co-designer,partial")


def test_format_csv_rejects_an_unknown_layout(api_client, published):
    response = api_client.get(URL, {"format": "csv", "layout": "tall"})
    assert response.status_code == 400
    assert "layout" in response.content.decode()


def test_json_and_csv_of_one_url_have_different_etags(api_client, published):
    json_tag = api_client.get(URL, {"period": "2026-04"})["ETag"]
    csv_tag = api_client.get(URL, {"period": "2026-04"}, HTTP_ACCEPT="text/csv")["ETag"]
    assert json_tag != csv_tag


def test_an_unexpected_error_gets_the_error_body_and_no_traceback(
    api_client, published, monkeypatch
):
    def broken(filters):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("api.figures.distribution_rows", broken)
    response = api_client.get(URL)
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "secret internals" not in response.content.decode()
