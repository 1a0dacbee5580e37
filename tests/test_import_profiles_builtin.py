"""The built-in import profiles: each imports its sample file, built from the tool's documented
fields (tests/examples/profiles/)."""

import pytest

from engagement.ingest.interactions import import_with_profile
from engagement.ingest.rows import ImportRequest
from engagement.ingest.saved_profiles import builtin_profiles
from engagement.models import Interaction
from forces.models import Force, Platform
from tests.factories import ChannelFactory
from tests.ingestion import EXAMPLES

pytestmark = pytest.mark.django_db

PROFILES = EXAMPLES / "profiles"
# Each built-in profile: its sample, the platform of the channel it is imported to, and the
# kinds of the interactions it gives, by external id.
SAMPLES = {
    "hootsuite-inbox": (
        "hootsuite-inbox.csv",
        Platform.FACEBOOK,
        {f"c-7f3a9e0{n}": "message" for n in range(1, 5)},
    ),
    "meta-graph-comments": (
        "meta-graph-comments.json",
        Platform.FACEBOOK,
        {f"123456789012345_10000000000000{n}": "reply" for n in range(1, 4)},
    ),
    "youtube-comment-threads": (
        "youtube-comment-threads.json",
        Platform.YOUTUBE,
        {
            "UgxThread0001": "reply",
            "UgxThread0001.reply0001": "reply",
            "UgxThread0001.reply0002": "reply",
            "UgxThread0002": "reply",
        },
    ),
    "x-posts": (
        "x-posts.json",
        Platform.TWITTER,
        {
            "1790000000000000001": "mention",
            "1790000000000000002": "reply",
            "1790000000000000003": "share",
            "1790000000000000004": "share",
        },
    ),
    "nextdoor-comments": (
        "nextdoor-comments.json",
        Platform.NEXTDOOR,
        {f"nd-comment-500{n}": "reply" for n in range(1, 4)},
    ),
}


def test_every_built_in_profile_has_a_sample():
    assert set(builtin_profiles()) == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_built_in_profile_imports_its_sample(name):
    sample, platform, kinds = SAMPLES[name]
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="main", platform=platform)
    profile = builtin_profiles()[name].given({"force": "kent", "channel": "main"})
    with (PROFILES / sample).open("rb") as source:
        result = import_with_profile(
            profile=profile, source=source, request=ImportRequest(filename=sample)
        )
    assert result.created == len(kinds)
    assert dict(Interaction.objects.values_list("external_id", "kind")) == kinds


def test_the_hootsuite_times_are_london_time_the_autumn_hour_the_first_of_the_two():
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="main", platform=Platform.FACEBOOK)
    profile = builtin_profiles()["hootsuite-inbox"].given({"force": "kent", "channel": "main"})
    with (PROFILES / "hootsuite-inbox.csv").open("rb") as source:
        import_with_profile(profile=profile, source=source)
    autumn = Interaction.objects.get(external_id="c-7f3a9e04").occurred_at
    assert autumn.isoformat() == "2026-10-25T00:30:00+00:00"  # 01:30 BST, before the change


def test_people_who_commented_twice_are_one_citizen():
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="main", platform=Platform.YOUTUBE)
    profile = builtin_profiles()["youtube-comment-threads"].given(
        {"force": "kent", "channel": "main"}
    )
    with (PROFILES / "youtube-comment-threads.json").open("rb") as source:
        import_with_profile(profile=profile, source=source)
    assert Interaction.objects.values("citizen").distinct().count() == 2
