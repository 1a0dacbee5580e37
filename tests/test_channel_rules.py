"""LADDER.md "Channels": a channel with interactions never moves; a slug starts with a lower-case
letter or a digit. On every route: the channel admin, the force admin's channel list, the import."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from engagement.ingest.channels import import_channels
from engagement.ingest.rows import ImportRejected
from forces.models import CHANNEL_MOVE_REFUSED, Channel, Force, Platform
from tests.factories import ChannelFactory, InteractionFactory, StaffFactory
from tests.ingestion import csv_file

pytestmark = pytest.mark.django_db

MOVE_REFUSED_HTML = "This channel already has interactions: its force and platform cannot change"


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def kent_channel():
    return ChannelFactory(force=Force.objects.get(slug="kent"), slug="tw", platform="twitter")


def channel_form(channel: Channel, **changes) -> dict:
    return {
        "force": channel.force_id,
        "slug": channel.slug,
        "platform": channel.platform,
        "name": channel.name,
        "team": "",
        "url": "",
        "active": "on",
    } | changes


def force_form(force: Force, channel: Channel, **changes) -> dict:
    """The force admin's change form with its one channel in the inline list."""
    row = channel_form(channel, id=channel.pk, force=force.pk) | changes
    return {
        "name": force.name,
        "region": force.region,
        "country": force.country,
        "population": force.population or "",
        "population_year": force.population_year or "",
        "population_source": force.population_source,
        "channels-TOTAL_FORMS": "1",
        "channels-INITIAL_FORMS": "1",
        "channels-MIN_NUM_FORMS": "0",
        "channels-MAX_NUM_FORMS": "1000",
        **{f"channels-0-{name}": value for name, value in row.items()},
    }


def held(channel: Channel) -> tuple:
    return Channel.objects.filter(pk=channel.pk).values_list("force__slug", "platform").get()


def test_the_channel_admin_refuses_to_move_a_channel_with_interactions(admin_client, kent_channel):
    InteractionFactory(channel=kent_channel)
    essex = Force.objects.get(slug="essex")
    url = reverse("admin:forces_channel_change", args=[kent_channel.pk])

    to_essex = admin_client.post(url, channel_form(kent_channel, force=essex.pk))
    to_facebook = admin_client.post(url, channel_form(kent_channel, platform="facebook"))

    assert to_essex.status_code == to_facebook.status_code == 200  # the form again, with errors
    assert MOVE_REFUSED_HTML in to_essex.content.decode()
    assert MOVE_REFUSED_HTML in to_facebook.content.decode()
    assert held(kent_channel) == ("kent", "twitter")


def test_the_channel_admin_moves_a_channel_without_interactions(admin_client, kent_channel):
    url = reverse("admin:forces_channel_change", args=[kent_channel.pk])
    response = admin_client.post(url, channel_form(kent_channel, platform="facebook"))
    assert response.status_code == 302
    assert held(kent_channel) == ("kent", "facebook")


def test_the_channel_admin_still_edits_the_name_of_a_channel_with_interactions(
    admin_client, kent_channel
):
    InteractionFactory(channel=kent_channel)
    url = reverse("admin:forces_channel_change", args=[kent_channel.pk])
    response = admin_client.post(url, channel_form(kent_channel, name="Kent on X"))
    assert response.status_code == 302
    assert Channel.objects.get(pk=kent_channel.pk).name == "Kent on X"


def test_a_channel_address_typed_without_a_scheme_is_saved_as_https(admin_client, kent_channel):
    url = reverse("admin:forces_channel_change", args=[kent_channel.pk])
    admin_client.post(url, channel_form(kent_channel, url="facebook.com/kentpolice"))
    assert Channel.objects.get(pk=kent_channel.pk).url == "https://facebook.com/kentpolice"


def test_the_force_admins_channel_list_refuses_to_change_the_platform(admin_client, kent_channel):
    InteractionFactory(channel=kent_channel)
    kent = kent_channel.force
    url = reverse("admin:forces_force_change", args=[kent.pk])

    response = admin_client.post(url, force_form(kent, kent_channel, platform="instagram"))

    assert response.status_code == 200
    assert MOVE_REFUSED_HTML in response.content.decode()
    assert held(kent_channel) == ("kent", "twitter")


def test_saving_a_moved_channel_in_code_is_refused_too(kent_channel):
    InteractionFactory(channel=kent_channel)
    kent_channel.platform = Platform.FACEBOOK
    with pytest.raises(ValidationError) as refused:
        kent_channel.save()
    assert refused.value.messages == [CHANNEL_MOVE_REFUSED]
    assert held(kent_channel) == ("kent", "twitter")


@pytest.mark.parametrize("slug", ["-tw", "_tw", "Tw"])
def test_the_channel_admin_refuses_a_slug_not_starting_with_a_lower_case_letter_or_digit(
    admin_client, slug
):
    kent = Force.objects.get(slug="kent")
    response = admin_client.post(
        reverse("admin:forces_channel_add"),
        {"force": kent.pk, "slug": slug, "platform": "twitter", "name": "Kent", "active": "on"},
    )
    assert response.status_code == 200
    assert "A channel slug starts with a lower-case letter or a digit" in response.content.decode()
    assert not Channel.objects.exists()


def test_an_import_refuses_a_slug_starting_with_a_dash():
    source = csv_file("kent,-tw,twitter,Kent", header="force,channel,platform,name")
    with pytest.raises(ImportRejected) as rejected:
        import_channels(source=source)
    assert rejected.value.problems == [
        "line 2: channel: is not a slug (it starts with a lower-case letter or a digit, "
        "then letters, digits, - and _)"
    ]
    assert not Channel.objects.exists()


def test_a_slug_may_start_with_a_digit_and_hold_capitals_later():
    source = csv_file("kent,101-Main,twitter,Kent", header="force,channel,platform,name")
    assert import_channels(source=source).created == 1
