"""Bad input at the edges (issue #10): each a clear answer on every door, never a traceback or a
500, and nothing kept. Doors: the import command, the upload page (/imports/) and the API."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from engagement.models import ImportBatch
from forces.models import Force
from tests.factories import ChannelFactory, InteractionFactory, StaffFactory
from tests.ingestion import INTERACTION_HEADER, held_rows

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

API = "/api/v1/interactions/"
GOOD = "kent,tw,alice,view,2026-05-01T10:00:00Z,e1"


@pytest.fixture(autouse=True)
def kent_channel():
    channel = ChannelFactory(force=Force.objects.get(slug="kent"), slug="tw", platform="twitter")
    InteractionFactory(channel=channel)  # something held, which must stay as it is
    return channel


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


def api_row(**changes) -> dict:
    return {
        "force": "kent",
        "channel": "tw",
        "citizen": "alice",
        "kind": "view",
        "occurred_at": "2026-05-01T10:00:00Z",
        "external_id": "e1",
    } | changes


def run_command(tmp_path, data: bytes) -> tuple[str, str]:
    """The import command on `data`: (the CommandError's message, what it wrote to stderr)."""
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_interactions", str(path), stderr=err)
    return str(failed.value), err.getvalue()


def post_upload(client, data: bytes, what: str = "interactions"):
    upload = SimpleUploadedFile("bad.csv", data, content_type="text/csv")
    return client.post(reverse("engagement:imports"), {"what": what, "file": upload})


def csv_bytes(*lines: str, header: str = INTERACTION_HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


YEAR_ONE = "0001-01-01T00:00:00Z"
YEAR_ONE_PROBLEM = "is before 2000-01-01"


def test_year_one_is_a_row_problem_on_the_command_line(tmp_path):
    before = held_rows()
    message, err = run_command(tmp_path, csv_bytes(f"kent,tw,alice,view,{YEAR_ONE},"))
    assert "import rejected, 1 problem(s); nothing was written" in message
    assert f"line 2: occurred_at: {YEAR_ONE_PROBLEM}" in err
    assert held_rows() == before


def test_year_one_is_a_row_problem_on_the_upload_page(staff_client):
    before = held_rows()
    response = post_upload(staff_client, csv_bytes(f"kent,tw,alice,view,{YEAR_ONE},"))
    assert response.status_code == 400
    assert f"line 2: occurred_at: {YEAR_ONE_PROBLEM}".replace("'", "&#x27;") in (
        response.content.decode()
    )
    assert held_rows() == before


def test_year_one_is_a_row_problem_in_the_api(staff_client):
    before = held_rows()
    response = staff_client.post(
        API, [api_row(occurred_at=YEAR_ONE)], content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "occurred_at", "message": YEAR_ONE_PROBLEM}
    ]
    assert held_rows() == before


def test_a_nul_in_a_csv_header_is_a_problem_and_the_rejection_is_recorded(staff_client):
    before = held_rows()
    header = INTERACTION_HEADER.replace("force", "for\x00ce")
    response = post_upload(staff_client, csv_bytes(GOOD, header=header))
    assert response.status_code == 400
    assert "line 1: force: column is missing from the header" in response.content.decode()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    assert "line 1: for\\x00ce: is not a known column" in batch.problems[1]
    assert held_rows() == before


def test_a_nul_in_a_csv_cell_is_a_problem_on_the_command_line(tmp_path):
    before = held_rows()
    message, err = run_command(tmp_path, csv_bytes("kent,tw,ali\x00ce,view,2026-05-01T10:00:00Z,"))
    assert "import rejected" in message
    assert "line 2: citizen: contains a NUL character" in err
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED
    assert held_rows() == before


def test_a_nul_in_a_json_key_and_value_is_a_problem_and_the_rejection_is_recorded(staff_client):
    before = held_rows()
    rows = [api_row() | {"ki\x00nd": "view"}, api_row(external_id="e\x00")]
    response = staff_client.post(API, rows, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 0, "field": "ki\\x00nd", "message": "is not a known field"},
        {"index": 1, "field": "external_id", "message": "contains a NUL character"},
    ]
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED
    assert held_rows() == before


@pytest.mark.parametrize(
    "address",
    [
        "/compare/?forces=%00",
        "/?period=2026-04%00",
        "/reports/?forces=kent&x%00=1",
        "/forces/kent%00/",
    ],
)
def test_a_nul_in_a_page_address_is_a_400(staff_client, address):
    response = staff_client.get(address)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_in_an_api_query_is_a_400_with_the_error_body(staff_client):
    response = staff_client.get("/api/v1/distributions/?force=%00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "NUL character" in response.json()["message"]


def test_a_valid_request_of_10000_rows_over_2_5_mb_is_imported(staff_client):
    rows = [
        api_row(
            citizen=f"citizen-number-{n:06d}-of-a-rather-long-handle-somewhere-on-a-platform-and-some-more",
            external_id=f"post-2026-05-01-{n:06d}-comment-reference-with-a-long-thread-path",
        )
        for n in range(10_000)
    ]
    body = json.dumps(rows)
    assert len(body) > 2.5 * 1024 * 1024  # over Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    response = staff_client.post(API, body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["created"] == 10_000


def test_a_body_over_the_byte_limit_is_a_413_with_the_error_body(staff_client, settings):
    before = held_rows()
    body = json.dumps([api_row(citizen="x" * 500)] * 30_000)
    assert len(body) > settings.API_MAX_BODY_BYTES
    response = staff_client.post(API, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert response.json()["code"] == "too_large"
    assert "larger than 16,777,216 bytes" in response.json()["message"]
    assert held_rows() == before


def test_json_nested_100000_deep_is_a_400_with_the_error_body(staff_client):
    before = held_rows()
    response = staff_client.post(
        API, "[" * 100_000 + "]" * 100_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": None,
            "field": "body",
            "message": "is not valid JSON (the JSON is nested too deeply)",
        }
    ]
    assert held_rows() == before


def test_a_line_over_the_line_limit_is_a_problem_naming_the_line(tmp_path):
    before = held_rows()
    message, err = run_command(tmp_path, csv_bytes(GOOD, "x" * (2 * 1024 * 1024)))
    assert "import rejected" in message
    assert (
        "line 3: row: is longer than 1,048,576 bytes (the longest line an import reads); "
        "is this a CSV file?"
    ) in err
    assert held_rows() == before


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_an_upload_over_the_limit_is_refused_with_a_message(staff_client):
    before = held_rows()
    response = post_upload(staff_client, csv_bytes(*[GOOD] * 40))
    assert response.status_code == 413
    assert "The file is larger than the upload limit (1000\xa0bytes)" in response.content.decode()
    assert held_rows() == before


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_a_request_far_over_the_upload_limit_is_refused_before_it_is_read(staff_client):
    before = held_rows()
    response = post_upload(staff_client, b"x" * (200 * 1024))
    assert response.status_code == 413
    assert "The file is larger than the upload limit" in response.content.decode()
    assert held_rows() == before
