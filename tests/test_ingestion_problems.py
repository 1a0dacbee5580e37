"""Every problem an interactions import reports, with its message; and that nothing is written."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from engagement.ingest.interactions import ImportRejected, ImportRequest, import_interactions
from engagement.models import Citizen, ImportBatch, Interaction, StaleMonth
from forces.models import Force, Platform
from tests.factories import ChannelFactory
from tests.ingestion import UNKNOWN_KIND, csv_file

pytestmark = pytest.mark.django_db

GOOD = "kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,e1"


@pytest.fixture(autouse=True)
def channels():
    kent = Force.objects.get(slug="kent")
    ChannelFactory(force=kent, slug="twitter-main", platform=Platform.TWITTER)
    ChannelFactory(force=Force.objects.get(slug="essex"), slug="essex-only")


def problems_of(source: io.BytesIO) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        import_interactions(source=source, request=ImportRequest(filename="bad.csv"))
    return rejected.value.problems


def test_an_empty_file_is_a_problem():
    assert problems_of(io.BytesIO(b"")) == [
        "line 1: file: is empty (expected a header line: force,channel,citizen,kind,occurred_at)"
    ]


def test_a_header_without_rows_is_a_problem():
    assert problems_of(csv_file()) == ["line 2: file: has a header but no rows"]


def test_a_missing_column_is_named():
    source = csv_file(
        "kent,twitter-main,view,2026-05-01T10:00:00Z", header="force,channel,kind,occurred_at"
    )
    assert problems_of(source) == ["line 1: citizen: column is missing from the header"]


def test_an_unknown_column_is_named():
    source = csv_file(
        GOOD + ",blue", header="force,channel,citizen,kind,occurred_at,external_id,colour"
    )
    assert problems_of(source) == [
        "line 1: colour: is not a known column "
        "(expected force, channel, citizen, kind, occurred_at, external_id)"
    ]


def test_a_file_without_its_header_is_a_problem_that_repeats_no_value():
    source = csv_file("kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,e1", header="")
    assert problems_of(source) == [
        "line 1: header: names none of the expected columns "
        "(force, channel, citizen, kind, occurred_at, external_id); is the header line missing?"
    ]


def test_a_row_with_the_wrong_number_of_values_is_a_problem():
    assert problems_of(csv_file("kent,twitter-main,janedoe,view")) == [
        "line 2: row: has 4 values but the header has 6 columns"
    ]


def test_an_unknown_force_is_a_problem():
    assert problems_of(csv_file("atlantis,twitter-main,janedoe,view,2026-05-01T10:00:00Z,")) == [
        "line 2: force: is not the slug of a known force"
    ]


def test_a_channel_of_another_force_is_unknown_for_this_force():
    assert problems_of(csv_file("kent,essex-only,janedoe,view,2026-05-01T10:00:00Z,")) == [
        "line 2: channel: is not a channel of kent"
    ]


def test_a_kind_outside_the_current_definition_is_a_problem():
    assert problems_of(csv_file("kent,twitter-main,janedoe,poke,2026-05-01T10:00:00Z,")) == [
        f"line 2: kind: {UNKNOWN_KIND}"
    ]


def test_an_unparseable_timestamp_is_a_problem():
    assert problems_of(csv_file("kent,twitter-main,janedoe,view,last tuesday,")) == [
        "line 2: occurred_at: is not a valid ISO 8601 date and time"
    ]


def test_an_impossible_date_is_a_problem():
    assert problems_of(csv_file("kent,twitter-main,janedoe,view,2026-02-30T10:00:00Z,")) == [
        "line 2: occurred_at: is not a valid ISO 8601 date and time (day is out of range for month)"
    ]


def test_a_timestamp_more_than_24_hours_ahead_is_a_problem():
    later = (timezone.now() + timedelta(hours=25)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert problems_of(csv_file(f"kent,twitter-main,janedoe,view,{later},")) == [
        "line 2: occurred_at: is in the future (more than 24 hours after the import)"
    ]


def test_a_timestamp_less_than_24_hours_ahead_is_accepted():
    soon = (timezone.now() + timedelta(hours=23)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = import_interactions(source=csv_file(f"kent,twitter-main,janedoe,view,{soon},"))
    assert result.created == 1


@pytest.mark.parametrize(
    "occurred_at",
    ["1999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "0001-01-01T05:00:00Z", "0001-06-01"],
)
def test_an_instant_before_2000_is_a_problem(occurred_at):
    assert problems_of(csv_file(f"kent,twitter-main,janedoe,view,{occurred_at},")) == [
        "line 2: occurred_at: is before 2000-01-01"
    ]
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("citizen", ["", "   ", "@", " @ "])
def test_an_empty_citizen_is_a_problem(citizen):
    assert problems_of(csv_file(f"kent,twitter-main,{citizen},view,2026-05-01T10:00:00Z,")) == [
        "line 2: citizen: is empty"
    ]


def test_invalid_utf8_is_reported_by_line_and_column():
    source = io.BytesIO(
        b"force,channel,citizen,kind,occurred_at\n"
        b"kent,twitter-main,jane\xff\xfedoe,view,2026-05-01T10:00:00Z\n"
    )
    assert problems_of(source) == ["line 2: citizen: is not valid UTF-8"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (f"kent,twitter-main,janedoe,{'v' * 41},2026-05-01T10:00:00Z,", "kind: is longer than 40"),
        (
            f"kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,{'e' * 201}",
            "external_id: is longer than 200",
        ),
        (
            f"kent,twitter-main,{'j' * 501},view,2026-05-01T10:00:00Z,",
            "citizen: is longer than 500",
        ),
    ],
)
def test_over_long_fields_are_problems(line, problem):
    assert problems_of(csv_file(line)) == [f"line 2: {problem} characters"]


def test_every_problem_of_every_row_is_listed_with_its_line():
    source = csv_file(
        GOOD,
        "atlantis,twitter-main,janedoe,view,2026-05-01T10:00:00Z,",
        "kent,twitter-main,,poke,soon,",
    )
    assert problems_of(source) == [
        "line 3: force: is not the slug of a known force",
        f"line 4: kind: {UNKNOWN_KIND}",
        "line 4: occurred_at: is not a valid ISO 8601 date and time",
        "line 4: citizen: is empty",
    ]


def test_problems_stop_at_a_cap_and_count_the_rest():
    lines = [f"kent,twitter-main,janedoe,poke,2026-05-01T10:00:00Z,e{n}" for n in range(150)]
    with pytest.raises(ImportRejected) as rejected:
        import_interactions(source=csv_file(*lines))
    assert len(rejected.value.problems) == 100
    assert rejected.value.more == 50
    assert rejected.value.report_lines()[-1] == "… and 50 more problem(s) not listed"


def test_one_bad_row_means_nothing_from_the_file_is_written():
    source = csv_file(
        GOOD,
        "kent,twitter-main,someone,like,2026-05-02T10:00:00Z,e2",
        "kent,twitter-main,another,poke,2026-05-03T10:00:00Z,e3",
    )
    problems_of(source)
    assert Interaction.objects.count() == 0
    assert Citizen.objects.count() == 0
    assert StaleMonth.objects.count() == 0


def test_a_rejected_import_is_recorded_with_its_problems():
    problems_of(csv_file(GOOD, "kent,twitter-main,someone,poke,2026-05-02T10:00:00Z,e2"))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.REJECTED
    assert batch.filename == "bad.csv"
    assert batch.rows_read == 2
    assert batch.problems == [f"line 3: kind: {UNKNOWN_KIND}"]
