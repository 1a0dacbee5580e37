"""The dashboard's pages through Django's test client: what they show, how few queries they run,
their cache, their CSV links and their empty state. The browser tests check the drawing."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagement.models import Distribution, DistributionSnapshot, PeriodType, RecomputeRun, Scope
from forces.models import Force, Platform
from tests.dashboard_data import make_dashboard_data, store_counts
from tests.factories import (
    DistributionFactory,
    RecomputeRunFactory,
    SnapshotFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

PAGES = [
    reverse("dashboard:overview"),
    reverse("dashboard:force", args=["kent"]),
    reverse("dashboard:compare") + "?forces=kent,essex",
    reverse("dashboard:definition"),
]
# The force page: 13 (with its linked identities), its mobility and forces most alike (2), the
# permissions (2), its routes (2: the routes in every period, and the cells of their channels that
# protect their use), the days the data cover (partial periods), the quarters held (the last four
# quarters' download) and the populations' Census year; each cached with the snapshot after the
# first page.
MAX_QUERIES = 22


def some_forces(count: int) -> list[Force]:
    wanted = ["kent", "essex", "surrey", "dyfed-powys", "gwent", "sussex"]
    first = sorted(Force.objects.filter(slug__in=wanted), key=lambda f: wanted.index(f.slug))
    rest = list(Force.objects.exclude(slug__in=wanted).order_by("name"))
    return (first + rest)[:count]


def queries_for(client, url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def csv_links(page: str) -> list[dict[str, list[str]]]:
    hrefs = re.findall(r'<a href="([^"]+)" download data-testid="csv"', page)
    assert hrefs, "the page offers no CSV download"
    for href in hrefs:
        assert urlsplit(html.unescape(href)).path == "/reports/export.csv"
    return [parse_qs(urlsplit(html.unescape(href)).query) for href in hrefs]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_asks_an_anonymous_visitor_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:sign-in") + "?next=")


@pytest.mark.parametrize("url", PAGES[:3])
def test_pages_run_the_same_few_queries_for_3_forces_as_for_43(reader, url):
    data = make_dashboard_data(forces=some_forces(3))
    few = queries_for(reader, url)
    Distribution.objects.filter(snapshot=data.snapshot).delete()
    DistributionSnapshot.objects.all().update(is_current=False)
    make_dashboard_data()
    many = queries_for(reader, url)
    assert few == many
    assert many <= MAX_QUERIES


def test_compare_runs_the_same_queries_for_2_forces_as_for_6(reader):
    make_dashboard_data()
    two = queries_for(reader, "/compare/?forces=kent,essex")
    six = queries_for(reader, "/compare/?forces=kent,essex,surrey,gwent,sussex,dyfed-powys")
    assert two == six


def test_definition_page_runs_a_constant_number_of_queries(reader, django_assert_max_num_queries):
    with django_assert_max_num_queries(MAX_QUERIES):
        assert reader.get(reverse("dashboard:definition")).status_code == 200


def test_a_cached_page_reads_only_the_current_snapshot_and_the_last_run(reader):
    make_dashboard_data()
    url = reverse("dashboard:force", args=["kent"])
    first = queries_for(reader, url)
    with CaptureQueriesContext(connection) as again:
        reader.get(url)
    # session, user, the user's permissions (2), current snapshots, last run, the force, its
    # routes (not cached: they change when imported, not with the figures): the figures come
    # from the cache
    assert len(again) == 8 < first


def test_a_new_publication_replaces_the_cached_figures(reader):
    old = make_dashboard_data(forces=some_forces(1))
    force = old.forces[0]
    reader.get("/?period=2026-09")
    old.snapshot.is_current = False
    old.snapshot.save()
    new = SnapshotFactory(published_at=timezone.now())
    DistributionFactory(
        snapshot=new, force=force, period="2026-09", rung_position=6, citizens=987654
    )
    page = reader.get("/?period=2026-09").content.decode()
    assert "987,654" in page


def test_overview_table_holds_the_store_figures_of_the_latest_complete_month(reader):
    data = make_dashboard_data()
    page = reader.get("/").content.decode()
    store = store_counts(data.snapshot, period_type=PeriodType.MONTH, period="2026-09")
    assert '<option value="2026-09" selected>' in page
    kent = re.search(r'<tr data-key="kent".*?</tr>', page, re.S).group(0)
    shown = [int(c.replace(",", "")) for c in re.findall(r'class="count">([\d,]+)<', kent)]
    assert shown[:6] == [store.get(("kent", "", rung)) or 0 for rung in range(1, 7)]


def test_each_period_type_opens_on_its_latest_complete_period(reader):
    make_dashboard_data(forces=some_forces(3))  # April 2025 to 30 September 2026
    for period_type, expected in (
        ("month", "2026-09"),
        ("quarter", "2026-Q3"),
        ("year", "2026"),  # 2025 and 2026 are both partial: the latest held
        ("financial_year", "2025-26"),
    ):
        page = reader.get(f"/?period_type={period_type}").content.decode()
        assert f'<option value="{expected}" selected>' in page, period_type
        assert "Each period type opens on its latest complete" in page


def test_the_latest_partial_period_is_a_click_away(reader):
    make_dashboard_data(forces=some_forces(3))
    page = html.unescape(reader.get("/?period_type=financial_year").content.decode())
    assert "Show the latest financial year, 2026-27 (partial)" in page
    assert "?definition=1&period_type=financial_year&period=2026-27#figures" in page


def test_overview_shows_rung_0_as_unknown_where_the_population_is(reader):
    kent = Force.objects.get(slug="kent")
    kent.population = kent.population_year = None
    kent.save()
    make_dashboard_data(forces=[kent, Force.objects.get(slug="essex")])
    page = reader.get("/?period=2026-09&rung0=on").content.decode()
    kent_row = re.search(r'<tr data-key="kent".*?</tr>', page, re.S).group(0)
    essex_row = re.search(r'<tr data-key="essex".*?</tr>', page, re.S).group(0)
    assert re.search(r'data-rung="0" data-value=""><span class="count">unknown<', kent_row)
    assert re.search(r'data-rung="0" data-value="\d+"><span class="count">[\d,]+<', essex_row)


def test_overview_sorts_by_share_at_conversation_or_above(reader):
    make_dashboard_data()
    page = reader.get("/?sort=conversation-up").content.decode()
    table = page[page.index('id="forces-table"') :]
    shares = [float(s) for s in re.findall(r'data-conversation-up data-value="([\d.]+)"', table)]
    assert len(shares) == 43
    assert shares == sorted(shares, reverse=True)


def test_overview_platform_shows_the_platform_scope_figures(reader):
    data = make_dashboard_data(forces=some_forces(2))
    # Someone on two offline channels is one citizen there: fewer than the channels add up to.
    Distribution.objects.filter(
        snapshot=data.snapshot,
        scope=Scope.PLATFORM,
        platform=Platform.OFFLINE,
        force__slug="kent",
        period="2026-09",
        rung_position=3,
    ).update(citizens=7)
    page = reader.get("/?period=2026-09&platform=offline&region=South+East").content.decode()
    kent = re.search(r'<tr data-key="kent".*?</tr>', page, re.S).group(0)
    assert 'data-rung="3" data-value="7"><span class="count">7<' in kent
    assert 'data-rung="0"' not in kent
    assert "counts on each" not in page


def test_overview_csv_links_carry_the_pages_filters(reader):
    make_dashboard_data(forces=some_forces(2))
    page = reader.get("/?period_type=quarter&period=2026-Q2&region=Wales&platform=twitter")
    links = csv_links(page.content.decode())
    assert links[0] == {
        "definition": ["1"],
        "period_type": ["quarter"],
        "period": ["2026-Q2"],
        "scope": ["platform"],
        "platform": ["twitter"],
        "layout": ["wide"],
        "region": ["Wales"],
    }
    assert "region" not in links[1]


def test_force_page_csv_links_name_the_force_and_its_scopes(reader):
    make_dashboard_data(forces=some_forces(2))
    links = csv_links(reader.get("/forces/kent/?period=2026-08").content.decode())
    ladder, routes, trend, channels, region, national = links
    assert ladder["force"] == ["kent"] and ladder["period"] == ["2026-08"]
    assert routes["scope"] == ["channel"] and "period" not in routes
    assert trend["force"] == ["kent"] and "period" not in trend
    assert channels["scope"] == ["channel"] and channels["force"] == ["kent"]
    assert region["region"] == ["South East"] and "force" not in region
    assert "force" not in national and "region" not in national


def test_compare_csv_link_names_every_chosen_force(reader):
    make_dashboard_data(forces=some_forces(3))
    links = csv_links(reader.get("/compare/?forces=kent,essex,surrey").content.decode())
    assert links[0]["force"] == ["kent,essex,surrey"]
    assert links[0]["scope"] == ["force"]


@pytest.mark.parametrize(
    "url", ["/?region=South+East&platform=offline", "/forces/kent/", "/compare/?forces=kent,essex"]
)
def test_every_csv_link_downloads_from_the_export_endpoint(reader, url):
    make_dashboard_data(forces=some_forces(3))
    page = reader.get(url).content.decode()
    hrefs = re.findall(r'<a href="([^"]+)" download data-testid="csv"', page)
    for href in hrefs:
        response = reader.get(html.unescape(href))
        assert response.status_code == 200, (href, response.content[:300])
        assert response["Content-Type"].startswith("text/csv")
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert body.startswith(
            "definition_version,period_type,period,scope,force,force_name,region,platform,channel"
        )
        assert len(body.splitlines()) > 1, href


def test_force_page_names_the_rungs_no_channel_ever_reached(reader):
    data = make_dashboard_data()
    without_volunteers = data.no_volunteers[0]
    page = reader.get(reverse("dashboard:force", args=[without_volunteers.slug])).content.decode()
    assert "No channel has reached Volunteer or Co-Designer." in page
    only_top_missing = data.no_co_designers[0]
    page = reader.get(reverse("dashboard:force", args=[only_top_missing.slug])).content.decode()
    assert "No channel has reached Co-Designer." in page


def test_force_page_with_rung_0_shows_the_rest_of_the_population(reader):
    data = make_dashboard_data(forces=some_forces(1))
    page = reader.get("/forces/kent/?period=2026-09&rung0=on").content.decode()
    store = store_counts(data.snapshot, period_type=PeriodType.MONTH, period="2026-09")
    assert f"{store[('kent', '', 0)]:,}" in page


def test_force_page_of_an_unknown_force_is_not_found(reader):
    assert reader.get(reverse("dashboard:force", args=["atlantis"])).status_code == 404


@pytest.mark.parametrize(
    ("forces", "problem"),
    [
        ("kent", "Choose between 2 and 6 forces to compare; you chose 1."),
        ("kent,essex,surrey,gwent,sussex,dyfed-powys,dorset", "you chose 7."),
        ("kent,atlantis", "There is no force &#x27;atlantis&#x27;."),
    ],
)
def test_compare_explains_a_choice_it_cannot_show(reader, forces, problem):
    make_dashboard_data(forces=some_forces(2))
    page = reader.get(f"/compare/?forces={forces}").content.decode()
    assert problem in page
    assert 'id="compare-table"' not in page


def test_compare_accepts_repeated_forces_parameters_from_its_checkboxes(reader):
    make_dashboard_data(forces=some_forces(2))
    page = reader.get("/compare/?forces=kent&forces=essex").content.decode()
    assert page.count('<tr data-key="kent"') == 1
    assert page.count('<tr data-key="essex"') == 1


@pytest.mark.parametrize("url", PAGES[:3])
def test_pages_say_there_are_no_figures_before_the_first_recompute(reader, url):
    page = reader.get(url).content.decode()
    assert "No figures yet" in page
    assert "No recompute has run yet." in page


def test_every_page_states_a_failed_last_recompute(reader):
    make_dashboard_data(forces=some_forces(1))
    RecomputeRunFactory(status=RecomputeRun.Status.FAILED)
    for url in [*PAGES, reverse("reports:report")]:
        assert "Last recompute failed" in reader.get(url).content.decode(), url


def test_definition_page_shows_rungs_kinds_and_history(reader):
    page = reader.get(reverse("dashboard:definition")).content.decode()
    assert "Co-Designer" in page
    assert "<code>unfollow</code>" in page
    assert "Version 1" in page
    assert "Edit the definition" not in page


def test_definition_admins_get_a_link_to_edit_it(client):
    admin = UserFactory()
    admin.groups.add(Group.objects.get(name="Definition admins"))
    client.force_login(admin)
    page = client.get(reverse("dashboard:definition")).content.decode()
    assert "Edit the definition" in page
    assert "/admin/engagement/engagementdefinition/" in page
