"""Linked identities: one person across platforms, in the force that recorded the link only;
links kept as unordered pairs, a person table counting joins, withdrawal and erasure recount."""

import io

import pytest
from django.core.management import call_command

from audit.models import AuditEntry
from engagement.citizens.services import erase_citizen
from engagement.ingest.links import import_links, persons_of, withdraw_links
from engagement.ingest.pseudonyms import as_text, pseudonymise
from engagement.ingest.rows import ImportRejected, ImportRequest
from engagement.models import Citizen, ImportBatch, Link, LinkedCitizen, StaleMonth
from forces.models import Force, Platform
from tests.factories import ChannelFactory
from tests.recompute_helpers import act, engaged, succeed

pytestmark = pytest.mark.django_db

HEADER = "force,platform,citizen,linked_platform,linked_citizen,consented_at,external_id"
MAY = 2026 * 12 + 4  # local month index of May 2026


def links_csv(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join([HEADER, *lines, ""]).encode())


def link(*lines: str, **request) -> object:
    return import_links(source=links_csv(*lines), request=ImportRequest(**request))


def withdraw(*lines: str) -> object:
    return withdraw_links(source=links_csv(*lines), request=ImportRequest())


def citizen(platform: str, identifier: str) -> Citizen:
    return Citizen.objects.get_or_create(
        pseudonym=pseudonymise(platform, identifier), defaults={"platform": platform}
    )[0]


@pytest.fixture
def two_forces():
    """Kent and Essex each with a Twitter account and an offline programme; the same two people
    (a follower who became a volunteer) are seen by both forces."""
    forces = {}
    for slug in ("kent", "essex"):
        force = Force.objects.get(slug=slug)
        twitter = ChannelFactory(force=force, slug="twitter", platform=Platform.TWITTER)
        offline = ChannelFactory(force=force, slug="offline", platform=Platform.OFFLINE)
        act(twitter, citizen("twitter", "climber"), "reply", "2026-05-03")
        act(offline, citizen("offline", "vol-17"), "volunteer", "2026-05-20")
        forces[slug] = force
    succeed(full=True)
    return forces


def test_the_groups_of_links_are_their_transitive_closure_named_by_their_lowest_citizen():
    assert persons_of([(5, 9), (9, 2), (7, 7), (3, 4), (4, 3)]) == {
        2: 2,
        5: 2,
        9: 2,
        3: 3,
        4: 3,
    }


def test_a_link_makes_two_identifiers_one_person_at_their_highest_rung(two_forces):
    kent = two_forces["kent"]
    assert engaged(period="2026-05", force=kent) == {2: 1, 5: 1}

    link("kent,twitter,@Climber,offline,vol-17,2026-05-21,")
    succeed()

    assert engaged(period="2026-05", force=kent) == {5: 1}
    # Each channel on its own still counts its own identifier.
    twitter = kent.channels.get(slug="twitter")
    assert engaged(period="2026-05", force=kent, channel=twitter) == {2: 1}


def test_a_link_in_one_force_changes_no_other_force(two_forces):
    link("kent,twitter,climber,offline,vol-17,,")
    succeed()

    assert engaged(period="2026-05", force=two_forces["essex"]) == {2: 1, 5: 1}
    assert not LinkedCitizen.objects.filter(force=two_forces["essex"]).exists()
    assert not StaleMonth.objects.filter(force=two_forces["essex"]).exists()


def test_a_link_marks_stale_the_months_where_its_identifiers_have_interactions(two_forces):
    StaleMonth.objects.all().delete()

    link("kent,twitter,climber,offline,vol-17,,")

    assert set(StaleMonth.objects.values_list("force__slug", "local_month")) == {("kent", MAY)}


def test_a_link_is_an_unordered_pair_kept_once_and_a_repeat_is_a_duplicate(two_forces):
    result = link(
        "kent,twitter,climber,offline,vol-17,,",
        "kent,offline,VOL-17,twitter,@climber,,",
    )

    assert (result.created, result.duplicates) == (1, 1)
    held = Link.objects.get()
    assert held.citizen_id < held.linked_citizen_id
    assert link("kent,offline,vol-17,twitter,climber,,").duplicates == 1


def test_an_external_id_already_held_in_the_force_is_a_duplicate(two_forces):
    link("kent,twitter,climber,offline,vol-17,,form-1")

    result = link("kent,twitter,someone,offline,else,,form-1", "essex,twitter,a,offline,b,,form-1")

    assert (result.created, result.duplicates) == (1, 1)
    assert Link.objects.filter(force__slug="essex").count() == 1


def test_an_identifier_with_no_interactions_joins_a_chain(two_forces):
    link("kent,twitter,climber,email,never-seen,,", "kent,email,never-seen,offline,vol-17,,")
    succeed()

    assert engaged(period="2026-05", force=two_forces["kent"]) == {5: 1}
    assert LinkedCitizen.objects.values("person").distinct().count() == 1


def test_a_withdrawal_in_either_order_recounts_as_if_the_link_never_was(two_forces):
    link("kent,twitter,climber,offline,vol-17,,")
    succeed()

    result = withdraw("kent,offline,vol-17,twitter,CLIMBER,,")
    succeed()

    assert result.withdrawn == 1 and not result.not_held
    assert not Link.objects.exists() and not LinkedCitizen.objects.exists()
    assert engaged(period="2026-05", force=two_forces["kent"]) == {2: 1, 5: 1}


def test_withdrawing_a_link_not_held_reports_its_line_and_changes_nothing(two_forces):
    link("kent,twitter,climber,offline,vol-17,,")

    result = withdraw("essex,twitter,climber,offline,vol-17,,", "kent,twitter,nobody,offline,x,,")

    assert result.withdrawn == 0
    assert result.not_held == [
        "line 2: link: is not held in essex (or named earlier); nothing to withdraw",
        "line 3: link: is not held in kent (or named earlier); nothing to withdraw",
    ]
    assert Link.objects.count() == 1


def test_a_bad_row_rejects_the_whole_file_by_line_without_quoting_identifiers(two_forces):
    with pytest.raises(ImportRejected) as rejected:
        link(
            "kent,twitter,climber,offline,vol-17,,",
            "kent,myspace,Jane.Private,offline,,not a date,",
            "atlantis,twitter,a,twitter,b,,",
        )

    problems = rejected.value.problems
    assert "line 3: platform: is not a platform" in problems[0]
    assert "line 3: linked_citizen: is empty" in problems
    assert problems[2].startswith("line 3: consented_at: is not a valid ISO 8601")
    assert "line 4: force: is not the slug of a known force" in problems
    assert "Jane" not in " ".join(problems)
    assert not Link.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.REJECTED


def test_every_link_and_withdrawal_is_audited_without_the_identifiers(two_forces):
    link("kent,twitter,climber,offline,vol-17,2026-05-21,form-9")
    withdraw("kent,twitter,climber,offline,vol-17,,")

    entries = AuditEntry.objects.filter(
        action__in=[AuditEntry.Action.LINKED, AuditEntry.Action.UNLINKED]
    ).order_by("pk")
    assert [entry.action for entry in entries] == ["linked", "unlinked"]
    assert entries[0].changes["platforms"] == ["offline", "twitter"]
    assert entries[0].changes["door"] == "command"
    text = repr(list(entries.values()))
    pseudonym = pseudonymise("twitter", "climber")
    for secret in ("climber", "vol-17", as_text(pseudonym), str(pseudonym)):
        assert secret not in text


def test_erasing_a_citizen_deletes_their_links_and_splits_the_people_they_joined(two_forces):
    kent = two_forces["kent"]
    link("kent,twitter,climber,email,hub,,", "kent,email,hub,offline,vol-17,,")
    succeed()
    assert engaged(period="2026-05", force=kent) == {5: 1}

    erasure = erase_citizen(platform="email", identifier="hub", actor_name="test")
    succeed()

    assert erasure.links == 2
    assert not Link.objects.exists() and not LinkedCitizen.objects.exists()
    assert engaged(period="2026-05", force=kent) == {2: 1, 5: 1}


def test_lasting_states_stay_per_identifier(two_forces):
    """One person's two Twitter accounts: the second account's unfollow does not end the first
    account's follow, so the person still follows in May."""
    kent = two_forces["kent"]
    twitter = kent.channels.get(slug="twitter")
    act(twitter, citizen("twitter", "fan"), "follow", "2026-03-01")
    act(twitter, citizen("twitter", "fan-alt"), "unfollow", "2026-04-10")
    link("kent,twitter,fan,twitter,fan-alt,,")
    succeed(full=True)

    assert engaged(period="2026-05", force=kent, channel=twitter) == {1: 1, 2: 1}


def test_the_commands_import_and_withdraw_a_links_file(two_forces, tmp_path):
    path = tmp_path / "links.csv"
    path.write_text(f"{HEADER}\nkent,twitter,climber,offline,vol-17,,\n")
    out = io.StringIO()

    call_command("import_links", str(path), stdout=out)
    assert "1 row(s) read, 1 created" in out.getvalue()
    call_command("withdraw_links", str(path), stdout=out)
    assert "1 link(s) withdrawn, 0 not held" in out.getvalue()
    call_command("withdraw_links", str(path), stdout=out)
    assert "line 2: link: is not held in kent" in out.getvalue()
    assert not Link.objects.exists()
