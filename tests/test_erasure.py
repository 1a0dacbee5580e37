"""Erasure: a person's interactions go, their months are recounted, and the log names nobody."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEntry
from engagement.definitions.selectors import current_definition
from engagement.ingest.interactions import import_interactions
from engagement.ingest.pseudonyms import as_text, pseudonymise
from engagement.ladder.recompute import recompute_now
from engagement.models import Citizen, Interaction, StaleMonth
from forces.models import Force, Platform
from tests.factories import ChannelFactory, StaffFactory, UserFactory
from tests.ingestion import csv_file
from tests.recompute_helpers import engaged

pytestmark = pytest.mark.django_db

PERSON = "Jane.Doe.Private"


@pytest.fixture
def kent():
    kent = Force.objects.get(slug="kent")
    ChannelFactory(force=kent, slug="main", platform=Platform.TWITTER)
    import_interactions(
        source=csv_file(
            f"kent,main,@{PERSON},like,2026-04-03T10:00:00Z,e1",
            f"kent,main,{PERSON.upper()},reply,2026-05-03T10:00:00Z,e2",
            "kent,main,someone.else,like,2026-04-04T10:00:00Z,e3",
        )
    )
    recompute_now(definition=current_definition(), full=True)
    return kent


def erase(**options):
    out = io.StringIO()
    call_command("erase_citizen", "--platform", "twitter", stdout=out, **options)
    return out.getvalue()


def test_erasure_deletes_every_interaction_of_the_person_found_by_the_pseudonym_rule(kent):
    output = erase(identifier=f"  @{PERSON.lower()} ")
    assert "2 interaction(s) deleted; 2 force-month(s)" in output
    assert list(Interaction.objects.values_list("external_id", flat=True)) == ["e3"]
    assert Citizen.objects.count() == 1
    assert set(StaleMonth.objects.values_list("force__slug", "local_month")) == {
        ("kent", 2026 * 12 + 3),
        ("kent", 2026 * 12 + 4),
    }


def test_the_next_recompute_no_longer_counts_the_erased_person(kent):
    assert sum(engaged(period="2026-04", force=kent).values()) == 2
    erase(identifier=PERSON)
    recompute_now(definition=current_definition())

    assert sum(engaged(period="2026-04", force=kent).values()) == 1
    assert sum(engaged(period="2026-05", force=kent).values()) == 0


def test_the_erasure_record_says_when_and_by_whom_and_never_about_whom(kent):
    StaffFactory(username="dpo", password=None)
    erase(identifier=PERSON, by="dpo")

    entry = AuditEntry.objects.get(action=AuditEntry.Action.ERASURE)
    assert (entry.actor_name, entry.subject, entry.subject_id) == ("dpo", "", "")
    stored = " ".join(str(value) for value in entry.__dict__.values()).casefold()
    assert PERSON.casefold() not in stored
    pseudonym = pseudonymise("twitter", PERSON)
    assert as_text(pseudonym) not in stored and str(pseudonym).casefold() not in stored


def test_an_identifier_held_nowhere_is_recorded_and_deletes_nothing(kent):
    assert "nothing was deleted" in erase(identifier="nobody.here")
    assert Interaction.objects.count() == 3
    assert AuditEntry.objects.filter(action=AuditEntry.Action.ERASURE).count() == 1


def test_a_superuser_erases_through_the_admin_form_and_never_sees_the_identifier(client, kent):
    client.force_login(StaffFactory(password=None))
    url = reverse("admin:engagement_interaction_erase")
    response = client.post(url, {"platform": "twitter", "identifier": PERSON}, follow=True)
    page = response.content.decode()
    assert "Erasure done. 2 interaction(s) deleted" in page
    assert PERSON not in page
    assert Interaction.objects.count() == 1


def test_the_erasure_form_is_for_superusers_only(client, kent):
    client.force_login(UserFactory(password=None, is_staff=True))
    url = reverse("admin:engagement_interaction_erase")
    response = client.post(url, {"platform": "twitter", "identifier": PERSON})
    assert response.status_code == 403
    assert Interaction.objects.count() == 3
