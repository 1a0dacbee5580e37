"""Every rule of LADDER.md "The distribution", each on a small case built for it.

Rungs of definition v1: view, follow, subscribe 1; like, reply 2; attend 3; share 4;
volunteer 5; co-design 6. unfollow and unsubscribe end follow and subscribe.
"""

import pytest

from engagement.definitions.services import create_draft
from engagement.ladder.recompute import recompute_now
from engagement.models import InteractionKind
from forces.models import Platform
from tests.factories import ChannelFactory, CitizenFactory, ForceFactory
from tests.recompute_helpers import act, current_snapshot, engaged, figures

pytestmark = pytest.mark.django_db  # portable SQL: runs on PostgreSQL and on SQLite


@pytest.fixture
def force():
    return ForceFactory(population=1000)


@pytest.fixture
def channel(force):
    return ChannelFactory(force=force)


@pytest.fixture
def other_channel(force):
    return ChannelFactory(force=force)


def recompute():
    run = recompute_now(full=True)
    assert run.status == "succeeded", run.error
    return run


# --- moments and the highest rung ------------------------------------------------------------


def test_citizen_counts_once_at_the_highest_rung_reached_in_the_period(force, channel):
    citizen = CitizenFactory()
    act(channel, citizen, "view", "2026-01-05")
    act(channel, citizen, "share", "2026-01-20")
    act(channel, citizen, "like", "2026-01-25")
    recompute()
    assert engaged(period="2026-01", channel=channel) == {4: 1}


def test_force_scope_takes_the_highest_rung_across_the_forces_channels(
    force, channel, other_channel
):
    citizen = CitizenFactory()
    act(channel, citizen, "view", "2026-01-05")
    act(other_channel, citizen, "attend", "2026-01-06")
    recompute()
    assert engaged(period="2026-01", channel=channel) == {1: 1}
    assert engaged(period="2026-01", channel=other_channel) == {3: 1}
    assert engaged(period="2026-01", force=force) == {3: 1}


def test_platform_scope_counts_a_citizen_on_two_channels_of_it_once_at_the_highest_rung(
    force, channel, other_channel
):
    citizen = CitizenFactory()
    act(channel, citizen, "view", "2026-01-05")
    act(other_channel, citizen, "share", "2026-01-06")
    recompute()
    assert engaged(period="2026-01", force=force, platform=Platform.TWITTER) == {4: 1}


def test_platform_scope_keeps_each_platform_of_a_force_apart(force, channel):
    facebook = ChannelFactory(force=force, platform=Platform.FACEBOOK)
    act(channel, CitizenFactory(), "view", "2026-01-05")
    act(facebook, CitizenFactory(platform=Platform.FACEBOOK), "attend", "2026-01-06")
    recompute()
    assert engaged(period="2026-01", force=force, platform=Platform.TWITTER) == {1: 1}
    assert engaged(period="2026-01", force=force, platform=Platform.FACEBOOK) == {3: 1}


def test_platform_scope_takes_a_lasting_state_over_the_longer_period(force, channel):
    citizen = CitizenFactory()
    act(channel, citizen, "follow", "2026-01-05")
    act(ChannelFactory(force=force), citizen, "like", "2026-02-06")
    recompute()
    assert figures(period="2026-Q1", period_type="quarter", force=force, platform="twitter") == {
        2: 1
    }


def test_same_citizen_with_two_forces_counts_in_each(force, channel):
    other_force_channel = ChannelFactory()
    citizen = CitizenFactory()
    act(channel, citizen, "like", "2026-01-05")
    act(other_force_channel, citizen, "volunteer", "2026-01-06")
    recompute()
    assert engaged(period="2026-01", force=force) == {2: 1}
    assert engaged(period="2026-01", force=other_force_channel.force) == {5: 1}


def test_longer_period_takes_each_citizens_highest_rung_before_counting(channel):
    steady, climber = CitizenFactory(), CitizenFactory()
    for month in ("2026-01-10", "2026-02-10", "2026-03-10"):
        act(channel, steady, "view", month)
    act(channel, climber, "view", "2026-01-10")
    act(channel, climber, "co-design", "2026-03-10")
    recompute()
    assert engaged(period="2026-01", channel=channel) == {1: 2}
    assert engaged(period="2026-Q1", period_type="quarter", channel=channel) == {1: 1, 6: 1}


def test_kind_the_version_does_not_know_counts_for_nothing(channel):
    act(channel, CitizenFactory(), "wave-from-afar", "2026-01-05")
    act(channel, CitizenFactory(), "view", "2026-01-05")
    recompute()
    assert engaged(period="2026-01", channel=channel) == {1: 1}


def test_kind_removed_in_a_draft_counts_for_nothing_under_that_draft(channel):
    act(channel, CitizenFactory(), "share", "2026-01-05")
    draft = create_draft()
    InteractionKind.objects.filter(definition=draft, slug="share").delete()
    run = recompute_now(definition=draft)
    assert run.status == "succeeded", run.error
    assert engaged(period="2026-01", channel=channel, snapshot=current_snapshot(draft)) == {}


# --- lasting states ------------------------------------------------------------------------


def test_lasting_state_touches_every_month_from_opening_to_closing(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "follow", "2026-01-10")
    act(channel, citizen, "unfollow", "2026-03-10")
    act(channel, CitizenFactory(), "view", "2026-05-10")  # the horizon, later
    recompute()
    for month in ("2026-01", "2026-02", "2026-03"):
        assert engaged(period=month, channel=channel) == {1: 1}, month
    assert engaged(period="2026-04", channel=channel) == {}


def test_state_never_closed_touches_every_period_up_to_the_horizon(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "subscribe", "2025-11-10")
    act(ChannelFactory(), CitizenFactory(), "view", "2026-02-10")  # horizon, another force
    recompute()
    for month in ("2025-11", "2025-12", "2026-01", "2026-02"):
        assert engaged(period=month, channel=channel) == {1: 1}, month
    assert engaged(period="2026-Q1", period_type="quarter", channel=channel) == {1: 1}
    assert figures(period="2026-03", channel=channel) == {}  # beyond the horizon: no period


def test_follow_again_after_unfollow_opens_a_new_state(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "follow", "2026-01-10")
    act(channel, citizen, "unfollow", "2026-02-10")
    act(channel, citizen, "follow", "2026-04-10")
    act(ChannelFactory(), CitizenFactory(), "view", "2026-06-10")  # the horizon
    recompute()
    assert engaged(period="2026-03", channel=channel) == {}
    for month in ("2026-01", "2026-02", "2026-04", "2026-05", "2026-06"):
        assert engaged(period=month, channel=channel) == {1: 1}, month


def test_second_opening_while_open_changes_nothing(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "follow", "2026-01-10")
    act(channel, citizen, "follow", "2026-02-10")
    act(channel, citizen, "unfollow", "2026-03-10")
    act(channel, CitizenFactory(), "view", "2026-05-10")
    recompute()
    assert engaged(period="2026-03", channel=channel) == {1: 1}
    assert engaged(period="2026-04", channel=channel) == {}


def test_ending_with_nothing_open_changes_nothing(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "unfollow", "2026-01-10")
    act(channel, citizen, "follow", "2026-02-10")
    act(ChannelFactory(), CitizenFactory(), "view", "2026-04-10")  # the horizon
    recompute()
    assert engaged(period="2026-01", channel=channel) == {}
    for month in ("2026-02", "2026-03", "2026-04"):
        assert engaged(period=month, channel=channel) == {1: 1}, month


def test_opening_and_ending_at_the_same_instant_open_first_then_close(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "unfollow", "2026-01-10T09:00:00Z")
    act(channel, citizen, "follow", "2026-01-10T09:00:00Z")
    act(channel, CitizenFactory(), "view", "2026-03-10")
    recompute()
    assert engaged(period="2026-01", channel=channel) == {1: 1}
    assert engaged(period="2026-02", channel=channel) == {}


def test_ending_at_the_same_instant_as_a_repeat_opening_closes_the_state(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "follow", "2026-01-10")
    act(channel, citizen, "follow", "2026-02-10T09:00:00Z")
    act(channel, citizen, "unfollow", "2026-02-10T09:00:00Z")
    act(channel, CitizenFactory(), "view", "2026-04-10")
    recompute()
    assert engaged(period="2026-02", channel=channel) == {1: 1}
    assert engaged(period="2026-03", channel=channel) == {}


@pytest.mark.parametrize(
    ("opening", "ending", "ending_elsewhere"),
    [("follow", "unfollow", True), ("subscribe", "unfollow", False)],
    ids=["ending on another channel", "ending of another lasting kind"],
)
def test_state_ends_only_by_its_own_ending_on_its_own_channel(
    channel, other_channel, opening, ending, ending_elsewhere
):
    citizen = CitizenFactory()
    act(channel, citizen, opening, "2026-01-10")
    act(other_channel if ending_elsewhere else channel, citizen, ending, "2026-01-20")
    act(channel, CitizenFactory(), "view", "2026-03-10")
    recompute()
    assert engaged(period="2026-03", channel=channel) == {1: 2}


def test_lasting_state_and_moments_combine_to_the_highest_rung(channel):
    citizen = CitizenFactory()
    act(channel, citizen, "follow", "2026-01-10")
    act(channel, citizen, "reply", "2026-02-10")
    act(channel, CitizenFactory(), "view", "2026-03-10")
    recompute()
    assert engaged(period="2026-01", channel=channel) == {1: 1}
    assert engaged(period="2026-02", channel=channel) == {2: 1}
    assert engaged(period="2026-03", channel=channel) == {1: 2}


# --- periods ------------------------------------------------------------------------------


def test_all_four_period_types_hold_the_interaction_with_their_labels(channel):
    act(channel, CitizenFactory(), "like", "2026-03-15")
    recompute()
    assert engaged(period="2026-03", period_type="month", channel=channel) == {2: 1}
    assert engaged(period="2026-Q1", period_type="quarter", channel=channel) == {2: 1}
    assert engaged(period="2026", period_type="year", channel=channel) == {2: 1}
    assert engaged(period="2025-26", period_type="financial_year", channel=channel) == {2: 1}


def test_financial_year_runs_april_to_march(channel):
    act(channel, CitizenFactory(), "view", "2026-03-31T12:00:00Z")
    act(channel, CitizenFactory(), "like", "2026-04-01T12:00:00Z")
    recompute()
    assert engaged(period="2025-26", period_type="financial_year", channel=channel) == {1: 1}
    assert engaged(period="2026-27", period_type="financial_year", channel=channel) == {2: 1}


def test_late_evening_of_31_march_in_summer_time_is_april_in_london(channel):
    act(channel, CitizenFactory(), "like", "2026-03-31T23:30:00Z")  # 00:30 BST, 1 April
    recompute()
    assert engaged(period="2026-04", channel=channel) == {2: 1}
    assert engaged(period="2026-03", channel=channel) == {}
    assert engaged(period="2026-Q2", period_type="quarter", channel=channel) == {2: 1}
    assert engaged(period="2026-27", period_type="financial_year", channel=channel) == {2: 1}


def test_late_evening_of_31_december_in_winter_time_stays_in_december(channel):
    act(channel, CitizenFactory(), "like", "2025-12-31T23:30:00Z")  # GMT: still 31 December
    act(channel, CitizenFactory(), "view", "2026-01-01T00:30:00+01:00")  # 23:30 GMT, 31 Dec
    recompute()
    assert engaged(period="2025", period_type="year", channel=channel) == {1: 1, 2: 1}
    assert figures(period="2026", period_type="year", channel=channel) == {}


def test_periods_run_from_the_earliest_interaction_to_the_horizon(force, channel):
    act(channel, CitizenFactory(), "view", "2026-02-10")
    act(channel, CitizenFactory(), "view", "2026-04-10")
    recompute()
    months = set(
        current_snapshot()
        .rows.filter(period_type="month", force=force, scope="force")
        .values_list("period", flat=True)
    )
    assert months == {"2026-02", "2026-03", "2026-04"}


# --- scopes and rung 0 --------------------------------------------------------------------


def test_rung_zero_at_force_scope_is_population_minus_everyone_engaged(force, channel):
    act(channel, CitizenFactory(), "view", "2026-01-10")
    act(channel, CitizenFactory(), "share", "2026-01-10")
    recompute()
    assert figures(period="2026-01", force=force) == {0: 998, 1: 1, 4: 1}


def test_platform_scope_has_no_rung_zero(force, channel):
    act(channel, CitizenFactory(), "view", "2026-01-10")
    recompute()
    assert figures(period="2026-01", force=force, platform=Platform.TWITTER) == {1: 1}


def test_channel_scope_has_no_rung_zero(channel):
    act(channel, CitizenFactory(), "view", "2026-01-10")
    recompute()
    assert figures(period="2026-01", channel=channel) == {1: 1}


def test_rung_zero_is_empty_when_the_population_is_unknown(channel):
    force = ForceFactory(population=None, population_year=None)
    unknown = ChannelFactory(force=force)
    act(unknown, CitizenFactory(), "view", "2026-01-10")
    act(channel, CitizenFactory(), "view", "2026-02-10")
    recompute()
    assert figures(period="2026-01", force=force) == {0: None, 1: 1}
    assert figures(period="2026-02", force=force) == {}


def test_rung_zero_never_goes_below_zero(channel):
    force = ForceFactory(population=1, population_year=2011)
    small = ChannelFactory(force=force)
    act(small, CitizenFactory(), "view", "2026-01-10")
    act(small, CitizenFactory(), "view", "2026-01-10")
    recompute()
    assert figures(period="2026-01", force=force) == {0: 0, 1: 2}


def test_force_with_a_population_has_rung_zero_in_every_period_even_without_engagement(channel):
    quiet = ForceFactory(population=500)
    act(channel, CitizenFactory(), "view", "2026-01-10")
    recompute()
    assert figures(period="2026-01", force=quiet) == {0: 500}
    assert figures(period="2026-Q1", period_type="quarter", force=quiet) == {0: 500}
    assert figures(period="2025-26", period_type="financial_year", force=quiet) == {0: 500}


def test_rung_zero_follows_an_edited_population_on_the_next_incremental_run(force, channel):
    act(channel, CitizenFactory(), "view", "2026-01-10")
    recompute()
    force.population = 50
    force.save()
    run = recompute_now()
    assert run.mode == "incremental"
    assert figures(period="2026-01", force=force) == {0: 49, 1: 1}
