import io

import pytest
from django.core.management import CommandError, call_command

from engagement.ingest.channels import import_channels
from engagement.ingest.rows import ImportRejected
from engagement.models import ImportBatch
from forces.models import Channel, Force, Platform
from tests.factories import ChannelFactory
from tests.ingestion import csv_file, examples_dir

pytestmark = pytest.mark.django_db

HEADER = "force,channel,platform,name,team,url"


def channels(*lines: str):
    return import_channels(source=csv_file(*lines, header=HEADER))


def problems_of(*lines: str) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        channels(*lines)
    return rejected.value.problems


def test_channels_are_created_with_their_team_and_url():
    result = channels(
        "kent,twitter-north,twitter,Kent North,North NPT,https://x.com/kentpolicenorth"
    )
    assert (result.created, result.duplicates) == (1, 0)
    channel = Channel.objects.get(force__slug="kent", slug="twitter-north")
    assert (channel.platform, channel.team, channel.url) == (
        Platform.TWITTER,
        "North NPT",
        "https://x.com/kentpolicenorth",
    )


def test_the_small_example_twice_creates_nothing_the_second_time():
    path = examples_dir("small") / "channels.csv"
    with path.open("rb") as source:
        first = import_channels(source=source)
    with path.open("rb") as source:
        second = import_channels(source=source)
    assert first.created == first.rows_read == 42
    assert (second.created, second.duplicates) == (0, 42)


def test_a_platform_outside_the_vocabulary_is_a_problem():
    assert problems_of("kent,myspace-main,myspace,Kent on MySpace,,") == [
        "line 2: platform: is not a platform (one of twitter, facebook, instagram, "
        "youtube, tiktok, nextdoor, whatsapp, blog, website, email, offline)"
    ]


def test_an_unknown_force_and_a_bad_slug_and_url_are_problems():
    assert problems_of("atlantis,main account,twitter,Main,,not a url") == [
        "line 2: force: is not the slug of a known force",
        "line 2: channel: is not a slug (it starts with a lower-case letter or a digit, then "
        "letters, digits, - and _)",
        "line 2: url: is not a URL",
    ]


def test_an_empty_name_and_an_over_long_name_are_problems():
    assert problems_of("kent,a,twitter,,,", f"kent,b,twitter,{'n' * 201},,") == [
        "line 2: name: is empty",
        "line 3: name: is longer than 200 characters",
    ]


def test_a_held_channel_cannot_change_platform():
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="main", platform=Platform.TWITTER)
    assert problems_of("kent,main,facebook,Kent,,") == [
        "line 2: platform: channel kent/main is held on twitter; a channel's platform cannot change"
    ]


def test_a_channel_repeated_in_a_file_is_a_duplicate_on_the_same_platform_only():
    result = channels("kent,main,twitter,Kent,,", "kent,main,twitter,Kent again,,")
    assert (result.created, result.duplicates) == (1, 1)
    assert problems_of("kent,other,twitter,Kent,,", "kent,other,facebook,Kent,,") == [
        "line 3: platform: line 2 has channel kent/other on twitter"
    ]


def test_a_rejected_channels_file_writes_nothing():
    problems_of("kent,good,twitter,Kent,,", "kent,bad,myspace,Kent,,")
    assert not Channel.objects.filter(slug="good").exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED


def test_the_command_reports_problems_and_fails(tmp_path):
    path = tmp_path / "channels.csv"
    path.write_text("force,channel,name\nkent,main,Kent\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_channels", str(path), stderr=err)
    assert "line 1: platform: column is missing from the header" in err.getvalue()


def test_the_command_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "channels.csv"
    path.write_text("force,channel,platform,name\nkent,main,twitter,Kent\n")
    out = io.StringIO()
    call_command("import_channels", str(path), "--dry-run", stdout=out)
    assert "Dry run (nothing written): 1 row(s) read, 1 would be created" in out.getvalue()
    assert not Channel.objects.filter(slug="main").exists()
