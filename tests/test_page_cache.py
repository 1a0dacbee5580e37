"""Whole pages from the cache (dashboard.page_cache): a page's figures are rendered once per
view, snapshot, lens snapshot, reader's threshold and normalised choices, and served to every
reader alike; the reader's own parts (name, CSRF token) are rendered for each request.

A page rendered from its figures renders the filter fields' template; a page served from the
cache does not: that is how these tests tell a hit from a miss.
"""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement.definitions.services import create_lens
from engagement.ladder.signals import figures_published
from engagement.models import DefinitionStatus, DistributionSnapshot, RecomputeRun
from forces.models import Force, Route
from tests.dashboard_data import make_dashboard_data
from tests.factories import AnalystFactory, RecomputeRunFactory, SnapshotFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

OVERVIEW = reverse("dashboard:overview")
KENT = reverse("dashboard:force", args=["kent"])


@pytest.fixture
def figures():
    forces = list(Force.objects.filter(slug__in=["kent", "essex", "surrey"]).order_by("slug"))
    return make_dashboard_data(forces=forces)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def built(response) -> bool:
    """Whether the page's figures were rendered for this request (a miss) or came cached."""
    assert response.status_code == 200
    return "dashboard/_filter_fields.html" in [template.name for template in response.templates]


def main(response) -> str:
    return re.search(r"<main.*</main>", response.content.decode(), re.DOTALL).group(0)


def published(snapshot) -> None:
    """What a recompute says once it has published a snapshot."""
    figures_published.send(
        sender=RecomputeRun,
        snapshot_id=snapshot.pk,
        definition_version=snapshot.definition.version,
        current=True,
    )


def new_snapshot(seed: int):
    """Publish a second snapshot with other figures, as a recompute would."""
    DistributionSnapshot.objects.update(is_current=False)
    forces = list(Force.objects.filter(slug__in=["kent", "essex", "surrey"]).order_by("slug"))
    return make_dashboard_data(forces=forces, seed=seed)


@pytest.mark.parametrize(
    "url", [OVERVIEW, KENT, reverse("dashboard:compare") + "?forces=kent,essex"]
)
def test_a_second_reading_is_served_from_the_cache_with_the_same_figures(figures, reader, url):
    first = reader.get(url)
    again = reader.get(url)
    assert built(first) and not built(again)
    assert main(again) == main(first)


def test_the_same_choices_written_differently_share_one_page(figures, reader):
    assert built(reader.get(OVERVIEW))
    assert not built(reader.get(OVERVIEW + "?period_type=month&sort="))


def test_other_choices_are_another_page(figures, reader):
    assert built(reader.get(OVERVIEW))
    assert built(reader.get(OVERVIEW + "?period_type=quarter"))


def test_a_reader_with_another_small_number_threshold_gets_a_page_of_their_own(
    figures, reader, settings
):
    settings.SUPPRESS_BELOW = 5
    assert built(reader.get(OVERVIEW))
    sees_everything = signed_in(StaffFactory())
    assert built(sees_everything.get(OVERVIEW))
    assert not built(sees_everything.get(OVERVIEW))
    assert not built(reader.get(OVERVIEW))


def test_publishing_a_new_snapshot_changes_what_is_served(figures, reader):
    before = reader.get(OVERVIEW)
    new_snapshot(seed=7)
    after = reader.get(OVERVIEW)
    assert built(after)
    assert main(after) != main(before)


def test_a_new_lens_snapshot_is_a_new_force_page(figures, reader):
    kent = Force.objects.get(slug="kent")
    lens = create_lens(force=kent)
    lens.status = DefinitionStatus.PUBLISHED
    lens.save(update_fields=["status"])

    def lens_snapshot():
        DistributionSnapshot.objects.filter(definition=lens).update(is_current=False)
        run = RecomputeRunFactory(definition=lens, status=RecomputeRun.Status.SUCCEEDED)
        SnapshotFactory(run=run, definition=lens, published_at=timezone.now())

    lens_snapshot()
    assert built(reader.get(KENT))
    assert not built(reader.get(KENT))
    lens_snapshot()
    assert built(reader.get(KENT))


def test_a_route_imported_or_edited_is_a_new_page(figures, reader):
    """Routes change without new figures: the pages that show them key on them too."""
    assert built(reader.get(KENT)) and not built(reader.get(KENT))
    route = Route.objects.create(
        force=Force.objects.get(slug="kent"),
        rung_position=5,
        name="Special Constabulary intake",
        opens_on=date(2025, 1, 1),
    )
    assert built(reader.get(KENT)) and built(reader.get(OVERVIEW))
    Route.objects.filter(pk=route.pk).update(name="Special Constabulary intake 2026")
    assert built(reader.get(KENT))


def test_a_readers_name_and_csrf_token_never_reach_another_reader(figures):
    alice = signed_in(AnalystFactory(username="alice-reader"))
    bob = signed_in(AnalystFactory(username="bob-reader"))
    for url in (OVERVIEW, KENT):
        for_alice = alice.get(url)
        for_bob = bob.get(url)
        assert built(for_alice) and not built(for_bob)
        alice_token = re.search(
            r'name="csrfmiddlewaretoken" value="([^"]+)"', for_alice.content.decode()
        ).group(1)
        page = for_bob.content.decode()
        assert "bob-reader" in page and "alice-reader" not in page
        assert alice_token not in page


def test_publishing_figures_warms_the_overview_and_every_force_page(
    figures, reader, in_process, settings
):
    settings.DASHBOARD_WARM_PAGES = True
    in_process(lambda: published(figures.snapshot))
    assert not built(reader.get(OVERVIEW))
    assert not built(reader.get(KENT))
    assert not built(reader.get(reverse("dashboard:force", args=["dyfed-powys"])))


def test_without_warming_the_first_reader_builds_the_page(figures, reader, in_process, settings):
    settings.DASHBOARD_WARM_PAGES = False
    in_process(lambda: published(figures.snapshot))
    assert built(reader.get(OVERVIEW))
