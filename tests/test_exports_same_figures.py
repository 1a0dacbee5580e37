"""The command, the API and the report page give the same figures for the same filters."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

CASES = [
    {},
    {"period": "2026-04"},
    {"period_type": "month", "period_from": "2026-04", "period_to": "2026-05", "scope": "force"},
    {"period_type": "quarter", "force": "alpha,bravo", "region": "North"},
    {"period": "2025-26", "channel": "twitter-main"},
    {"period_type": "year", "platform": "facebook"},
    {"definition": "1", "scope": "channel"},
]


def by_command(params: dict, layout: str) -> str:
    out = StringIO()
    call_command("export_distributions", layout=layout, stdout=out, **params)
    return out.getvalue()


def by_api(api_client, params: dict, layout: str) -> str:
    response = api_client.get(
        "/api/v1/distributions/", {**params, "format": "csv", "layout": layout}
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def by_report(client, params: dict, layout: str) -> str:
    response = client.get("/reports/export.csv", {**params, "layout": layout})
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def by_api_json(api_client, params: dict) -> list[tuple]:
    response = api_client.get("/api/v1/distributions/", {**params, "page_size": 1000})
    return [
        (
            r["period_type"],
            r["period"],
            r["force"],
            r["channel"],
            r["rung_position"],
            r["citizens"],
            r["share_of_engaged"],
            r["share_of_population"],
        )
        for r in response.json()["results"]
    ]


@pytest.mark.parametrize("layout", ["long", "wide"])
@pytest.mark.parametrize("params", CASES)
def test_command_api_and_report_give_the_same_csv(
    api_client, client, analyst, published, params, layout
):
    client.force_login(analyst)
    command = by_command(params, layout)
    assert len(command.splitlines()) > 1, "the case selects no figures: it proves nothing"
    assert by_api(api_client, params, layout) == command
    assert by_report(client, params, layout) == command


@pytest.mark.parametrize("params", CASES)
def test_the_api_json_holds_the_figures_of_the_csv(api_client, published, params):
    table = list(csv.DictReader(io.StringIO(by_command(params, "long"))))
    expected = [
        (
            r["period_type"],
            r["period"],
            r["force"],
            r["channel"] or None,
            int(r["rung_position"]),
            int(r["citizens"]) if r["citizens"] else None,
            float(r["share_of_engaged"]) if r["share_of_engaged"] else None,
            float(r["share_of_population"]) if r["share_of_population"] else None,
        )
        for r in table
    ]
    assert by_api_json(api_client, params) == expected
