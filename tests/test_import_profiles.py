"""Import profiles: another tool's export read as Ladder's rows, then imported by the same rules."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engagement.ingest.channels import import_channels
from engagement.ingest.interactions import (
    ImportRejected,
    import_interactions,
    import_with_profile,
    preview_with_profile,
)
from engagement.ingest.profiles import ProfileInvalid, parse_profile
from engagement.ingest.rows import ImportRequest
from engagement.models import ImportBatch, Interaction
from forces.models import Force, Platform
from tests.factories import ChannelFactory
from tests.ingestion import EXAMPLES, held_rows
from tests.recompute_helpers import succeed
from tests.test_recompute_examples import expected_rows, rows_now

pytestmark = pytest.mark.django_db

PROFILES = EXAMPLES / "profiles"


def example_profile(name: str):
    return parse_profile(json.loads((PROFILES / f"{name}.profile.json").read_text()))


def import_file(profile, name: str, **request):
    with (PROFILES / name).open("rb") as source:
        return import_with_profile(
            profile=profile, source=source, request=ImportRequest(filename=name, **request)
        )


def foreign_csv(*lines: str) -> io.BytesIO:
    header = "Msg ID,Org,Account,Action,Author,When,Text"
    return io.BytesIO(("\n".join([header, *lines]) + "\n").encode())


@pytest.fixture
def kent_main():
    return ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="facebook-main", platform=Platform.FACEBOOK
    )


def small_example_channels() -> None:
    with (EXAMPLES / "small" / "channels.csv").open("rb") as source:
        import_channels(source=source, request=ImportRequest(filename="channels.csv"))


@pytest.mark.parametrize("layout", ["foreign", "nested"])
def test_the_small_example_in_another_tools_layout_gives_exactly_its_figures(layout):
    """The expected figures are those of the example in Ladder's own layout (see
    test_recompute_examples, which imports that layout to exactly these rows)."""
    small_example_channels()
    profile = example_profile(f"small-{layout}")
    import_file(profile, f"small-{layout}.{profile.format}")
    succeed()
    assert rows_now(with_rung_zero=False) == expected_rows(EXAMPLES / "small", with_rung_zero=False)


def test_the_records_a_profile_skips_are_not_imported_nor_counted():
    small_example_channels()
    result = import_file(example_profile("small-foreign"), "small-foreign.csv")
    assert result.rows_read == 154
    assert (result.created, result.duplicates) == (152, 2)  # two duplicates in the example
    assert not Interaction.objects.filter(external_id__startswith="own-").exists()


def test_an_unmapped_word_refuses_the_whole_file_naming_it_and_its_line(kent_main):
    before = held_rows()
    source = foreign_csv(
        "m1,kent,facebook-main,Comment,alice,01/05/2026 10:00:00.000000,hi",
        "m2,kent,facebook-main,Poked,bob,01/05/2026 10:00:00.000000,hi",
    )
    with pytest.raises(ImportRejected) as rejected:
        import_with_profile(profile=example_profile("small-foreign"), source=source)
    assert rejected.value.problems == [
        "line 3: Action (kind): 'Poked' is a word the profile does not map to a kind (it maps "
        "Campaigned, Co-design session, Comment, Event attended, Followed, Mention, Reaction, "
        "Shared, Subscribed, Unfollowed, Unsubscribed, Viewed, Volunteered; it skips Page reply)"
    ]
    assert held_rows() == before
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED


def test_an_unmapped_word_in_a_json_export_is_named_with_its_record(kent_main):
    profile = example_profile("small-nested")
    records = {
        "export": {
            "items": [
                {
                    "id": "x1",
                    "account": {"org": "kent", "slug": "facebook-main"},
                    "author": {"handle": "alice"},
                    "activity": {"type": "Hug", "time": "2026-05-01T10:00:00Z"},
                }
            ]
        }
    }
    with pytest.raises(ImportRejected) as rejected:
        import_with_profile(profile=profile, source=io.BytesIO(json.dumps(records).encode()))
    assert rejected.value.problems[0].startswith(
        "record 1: activity.type (kind): 'Hug' is a word the profile does not map to a kind"
    )
    assert not Interaction.objects.exists()


def one_page(**more):
    """A profile of one page's export: who and when from the file, the rest fixed."""
    return parse_profile(
        {
            "name": "one-page",
            "format": "csv",
            "fields": {"citizen": "Who", "occurred_at": "At"},
            "fixed": {"force": "kent", "channel": "facebook-main", "kind": "like"},
        }
        | more
    )


def test_fixed_fields_give_every_record_the_same_force_channel_and_kind(kent_main):
    profile = one_page()
    source = io.BytesIO(b"Who,At,Likes\nalice,2026-05-01T10:00:00Z,3\nbob,2026-05-02T10:00:00Z,1\n")
    result = import_with_profile(profile=profile, source=source)
    assert result.created == 2
    assert set(Interaction.objects.values_list("force__slug", "channel__slug", "kind")) == {
        ("kent", "facebook-main", "like")
    }


def test_a_problem_names_the_tools_column_with_the_ladder_field(kent_main):
    profile = one_page()
    source = io.BytesIO(b"Who,At\nalice,not a time\n")
    with pytest.raises(ImportRejected) as rejected:
        import_with_profile(profile=profile, source=source)
    assert rejected.value.problems == [
        "line 2: At (occurred_at): is not a valid ISO 8601 date and time"
    ]


def test_a_time_format_without_an_offset_is_london_time_and_refuses_the_spring_hour(kent_main):
    profile = one_page(time_format="%d/%m/%Y %H:%M")
    with pytest.raises(ImportRejected) as rejected:
        import_with_profile(
            profile=profile,
            source=io.BytesIO(b"Who,At\nalice,01/06/2026 10:00\nbob,29/03/2026 01:30\nc,5pm\n"),
        )
    assert rejected.value.problems == [
        "line 3: At (occurred_at): does not exist in Europe/London (the clocks went forward "
        "then); give the time with its offset",
        "line 4: At (occurred_at): does not match the profile's time format %d/%m/%Y %H:%M",
    ]


def test_a_profile_without_a_force_or_channel_is_refused_before_reading(kent_main):
    profile = parse_profile(
        {"name": "p", "format": "csv", "fields": {"citizen": "Who", "occurred_at": "At"}}
    )
    with pytest.raises(ProfileInvalid) as invalid:
        import_with_profile(profile=profile, source=io.BytesIO(b"Who,At\n"))
    assert [message.split(":")[0] for message in invalid.value.messages] == [
        "force",
        "channel",
        "kind",
    ]


def test_a_bad_profile_document_says_what_is_wrong_with_each_key():
    with pytest.raises(ProfileInvalid) as invalid:
        parse_profile(
            {
                "name": "Bad Name",
                "format": "xml",
                "fields": {"citizen": "a", "kind": "b", "mood": "c"},
                "fixed": {"citizen": "x"},
                "kinds": {"Comment": "hug"},
                "skip": ["Comment"],
                "colour": "red",
            },
            kinds={"reply", "like"},
        )
    assert invalid.value.messages == [
        "colour: is not a key of a profile (expected name, title, format, records, fields, "
        "fixed, kinds, skip, channels, time_format, about)",
        "name: must be lower-case letters, digits and hyphens (at most 63), starting with a "
        "letter or digit",
        "format: must be csv or json",
        "fields: mood is not a field of Ladder (force, channel, citizen, kind, occurred_at, "
        "external_id)",
        "fixed.citizen: the field is also read from the file (fields)",
        "kinds.Comment: hug is not a kind of the current definition (like, reply)",
        "skip: Comment is also mapped to a kind (kinds)",
    ]


def test_a_json_profile_needs_its_records_path_and_single_value_fields():
    with pytest.raises(ProfileInvalid) as invalid:
        parse_profile(
            {"name": "p", "format": "json", "fields": {"citizen": "items[].id"}},
        )
    assert invalid.value.messages == [
        "records: a JSON profile must give the path to the list of records",
        "fields.citizen: items[].id takes every element ([]); a field reads one value "
        "(use [0] for the first)",
    ]


def test_the_foreign_csv_imports_as_the_own_layout_does_in_the_audit_record():
    small_example_channels()
    import_file(example_profile("small-foreign"), "small-foreign.csv")
    batch = ImportBatch.objects.filter(kind=ImportBatch.Kind.INTERACTIONS).get()
    assert (batch.status, batch.filename, batch.created) == (
        ImportBatch.Status.SUCCEEDED,
        "small-foreign.csv",
        152,
    )


def test_importing_the_same_export_twice_adds_nothing(kent_main):
    small_example_channels()
    import_file(example_profile("small-nested"), "small-nested.json")
    again = import_file(example_profile("small-nested"), "small-nested.json")
    assert (again.created, again.duplicates) == (0, 154)


def test_the_preview_shows_the_first_twenty_records_as_read_with_their_own_problems(kent_main):
    lines = [
        f"m{n},kent,facebook-main,Comment,person{n},01/05/2026 10:00:00.000000,hi"
        for n in range(25)
    ]
    lines[1] = "m1,kent,facebook-main,Poked,bob,01/05/2026 10:00:00.000000,hi"
    lines[2] = "m2,kent,facebook-main,Page reply,us,01/05/2026 10:00:00.000000,hi"
    records, whole = preview_with_profile(
        profile=example_profile("small-foreign"), source=foreign_csv(*lines)
    )
    assert len(records) == 20
    assert whole == []
    assert records[0].row["kind"] == "reply" and records[0].problems == []
    assert records[0].instant.isoformat() == "2026-05-01T09:00:00+00:00"
    assert records[1].problems[0].startswith("line 3: Action (kind): 'Poked' is a word")
    assert records[2].skipped
    assert not Interaction.objects.exists() and not ImportBatch.objects.exists()


def test_the_command_imports_through_a_built_in_profile_with_the_force_and_channel_given(
    kent_main,
):
    output = io.StringIO()
    call_command(
        "import_interactions",
        str(PROFILES / "x-posts.json"),
        "--profile",
        "x-posts",
        "--set",
        "force=kent",
        "--set",
        "channel=facebook-main",
        stdout=output,
    )
    assert "4 row(s) read, 4 created" in output.getvalue()


def test_the_command_reads_a_profile_file(kent_main):
    small_example_channels()
    output = io.StringIO()
    call_command(
        "import_interactions",
        str(PROFILES / "small-foreign.csv"),
        "--profile",
        str(PROFILES / "small-foreign.profile.json"),
        stdout=output,
    )
    assert "154 row(s) read, 152 created" in output.getvalue()


def test_the_command_says_what_a_built_in_profile_lacks():
    with pytest.raises(CommandError) as error:
        call_command("import_interactions", str(PROFILES / "x-posts.json"), "--profile", "x-posts")
    assert "force: is neither read from the file (fields) nor fixed" in str(error.value)


def test_a_profile_maps_the_tools_account_names_to_channels(kent_main):
    profile = parse_profile(
        {
            "name": "accounts",
            "format": "csv",
            "fields": {"citizen": "Who", "occurred_at": "At", "channel": "Page"},
            "fixed": {"force": "kent", "kind": "like"},
            "channels": {"Kent Police": "facebook-main"},
        }
    )
    source = io.BytesIO(
        b"Who,At,Page\na,2026-05-01T10:00:00Z,Kent Police\nb,2026-05-01T10:00:00Z,Other\n"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_with_profile(profile=profile, source=source)
    assert rejected.value.problems == [
        "line 3: Page (channel): 'Other' is an account the profile does not map to a channel "
        "(it maps Kent Police)"
    ]


def test_the_own_layout_import_still_refuses_other_columns():
    source = io.BytesIO(b"force,channel,citizen,kind,occurred_at,extra\n")
    with pytest.raises(ImportRejected) as rejected:
        import_interactions(source=source)
    assert "line 1: extra: is not a known column" in rejected.value.problems[0]
