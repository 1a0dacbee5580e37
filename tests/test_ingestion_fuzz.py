"""Random input to every door (the command, the upload page, the API): never a traceback or a
500, and nothing kept from an input that was refused."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forces.models import Force
from tests.factories import ChannelFactory, StaffFactory
from tests.ingestion import held_rows

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COLUMNS = ["force", "channel", "citizen", "kind", "occurred_at", "external_id", "platform", "name"]
CELLS = st.one_of(
    st.sampled_from(
        [
            "kent",
            "tw",
            "view",
            "twitter",
            "alice",
            "2026-05-01T10:00:00Z",
            "2026-03-29T01:30:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59+14:00",
            "-tw",
            "",
            "\x00",
            '"',
        ]
    ),
    st.text(max_size=30),
)
CSV_TEXT = st.builds(
    lambda header, rows, end: end.join([",".join(header), *(",".join(row) for row in rows)]),
    st.lists(st.one_of(st.sampled_from(COLUMNS), st.text(max_size=10)), min_size=1, max_size=8),
    st.lists(st.lists(CELLS, max_size=8), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
FILES = st.one_of(
    st.binary(max_size=2000), CSV_TEXT.map(lambda text: text.encode("utf-8", "surrogatepass"))
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | CELLS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.one_of(st.sampled_from(COLUMNS), st.text(max_size=8)), children, max_size=7
        )
    ),
    max_leaves=30,
)
ROWS = st.lists(st.dictionaries(st.sampled_from(COLUMNS), CELLS, max_size=7), max_size=5)
BODIES = st.one_of(
    JSON_VALUES.map(json.dumps),
    ROWS.map(json.dumps),
    st.binary(max_size=500),
    st.text(max_size=200),
)


@pytest.fixture
def kent_channel():
    return ChannelFactory(force=Force.objects.get(slug="kent"), slug="tw", platform="twitter")


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@FUZZ
@given(data=FILES, what=st.sampled_from(["import_interactions", "import_channels"]))
def test_the_command_answers_any_file_with_a_summary_or_its_problems(
    kent_channel, tmp_path_factory, data, what
):
    path = tmp_path_factory.mktemp("fuzz") / "input.csv"
    path.write_bytes(data)
    before = held_rows()
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(what, str(path), stdout=out, stderr=err)
    except CommandError as refused:
        assert "nothing was written" in str(refused)
        assert held_rows() == before
    else:
        assert "row(s) read" in out.getvalue()
    assert "Traceback" not in err.getvalue()


@FUZZ
@given(data=FILES, what=st.sampled_from(["interactions", "channels"]))
def test_the_upload_page_answers_any_file_without_a_500(kent_channel, staff_client, data, what):
    before = held_rows()
    upload = SimpleUploadedFile("input.csv", data, content_type="text/csv")
    response = staff_client.post(reverse("engagement:imports"), {"what": what, "file": upload})
    assert response.status_code in (200, 400)
    if response.status_code == 400:  # the file's problems, or the form's (an empty file)
        page = response.content.decode()
        assert "nothing was written" in page or 'class="error-message"' in page
        assert held_rows() == before


@FUZZ
@given(body=BODIES)
def test_the_api_answers_any_body_without_a_500(kent_channel, staff_client, body):
    before = held_rows()
    response = staff_client.post("/api/v1/interactions/", body, content_type="application/json")
    assert response.status_code in (201, 400)
    if response.status_code == 400:
        assert response.json()["code"] == "invalid_rows"
        assert held_rows() == before
