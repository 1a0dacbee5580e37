"""The analyst's view: one number for one figure everywhere, changes on earlier periods, partial
periods, what the pages say about filters they ignore, the channel page, and the pages around
them (errors, the API root, the import page, the definition admin)."""

import csv
import html
import io
import json
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from dashboard.ladders import Ladder
from dashboard.page_filters import latest_complete, partial_periods
from dashboard.templatetags.ladder_format import change, rate, share
from engagement.ladder.periods import DataDays, period_name
from engagement.models import PeriodType, RecomputeRun, Scope
from forces.models import Force
from tests.dashboard_data import make_dashboard_data, store_counts
from tests.factories import StaffFactory
from tests.recompute_helpers import figures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]

SLUGS = ["kent", "essex", "surrey"]


@pytest.fixture
def data():
    return make_dashboard_data(forces=list(Force.objects.filter(slug__in=SLUGS)))


@pytest.fixture
def reader(client):
    """Staff: the import page and its recompute are theirs."""
    client.force_login(StaffFactory())
    return client


def page_text(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def chart(page: str, chart_id: str) -> dict:
    found = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>', page, re.S
    )
    return json.loads(found.group(1))


def cell_value(page: str, table_id: str, key: str, attribute: str) -> str:
    """The data-value of a cell (`data-rung="3"`, say) in a table row (data-key)."""
    table = page[page.index(f'id="{table_id}"') :]
    row = re.search(rf'<tr data-key="{re.escape(key)}"[^>]*>(.*?)</tr>', table, re.S).group(1)
    return re.search(rf'<td[^>]*{attribute}[^>]*data-value="([^"]*)"', row).group(1)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def dashboard_csv_links(page: str) -> list[str]:
    return [
        html.unescape(href)
        for href in re.findall(r'<a href="([^"]+)" download data-testid="csv"', page)
    ]


# --- One figure, one number -----------------------------------------------------------------------

CASES = [
    {"period_type": "month", "period": "2026-06"},
    {"period_type": "quarter", "period": "2026-Q2"},
    {"period_type": "month", "period": "2026-06", "platform": "facebook"},
    {"period_type": "financial_year", "period": "2025-26", "platform": "twitter"},
]


@pytest.mark.parametrize("choices", CASES)
def test_one_figure_reads_the_same_in_the_chart_the_table_the_api_and_every_csv(
    reader, data, choices
):
    rung = 2
    query = "&".join(f"{k}={v}" for k, v in choices.items())
    page = page_text(reader, f"/?{query}")
    chart_share = next(d for d in chart(page, "forces-chart")["datasets"] if d["position"] == rung)
    kent = chart(page, "forces-chart")["labels"].index("Kent Police")
    chart_count, chart_percent = chart_share["counts"][kent], chart_share["data"][kent]
    table_count = int(cell_value(page, "forces-table", "kent", f'data-rung="{rung}"'))
    table_percent = float(
        cell_value(page, "forces-table", "kent", f'data-share-of-engaged="{rung}"')
    )

    scope = Scope.PLATFORM if "platform" in choices else Scope.FORCE
    filters = {**choices, "force": "kent", "scope": scope}
    api = reader.get("/api/v1/distributions/", filters).json()["results"]
    api_row = next(r for r in api if r["rung_position"] == rung)
    long = csv_rows(reader.get("/reports/export.csv", {**filters, "layout": "long"}))
    long_row = next(r for r in long if r["rung_position"] == str(rung))
    wide = csv_rows(reader.get("/reports/export.csv", {**filters, "layout": "wide"}))[0]
    link = next(href for href in dashboard_csv_links(page))
    from_page = csv_rows(reader.get(link))
    linked_row = next(r for r in from_page if r["force"] == "kent")

    counts = {
        chart_count,
        table_count,
        api_row["citizens"],
        int(long_row["citizens"]),
        int(wide["rung_2_conversation"]),
        int(linked_row["rung_2_conversation"]),
    }
    assert len(counts) == 1, counts
    share_of_engaged = float(long_row["share_of_engaged"])
    assert api_row["share_of_engaged"] == pytest.approx(share_of_engaged, abs=1e-10)
    assert float(wide["share_of_engaged_2_conversation"]) == share_of_engaged
    assert float(linked_row["share_of_engaged_2_conversation"]) == share_of_engaged
    assert table_percent == pytest.approx(100 * share_of_engaged, abs=1e-6)
    assert chart_percent == pytest.approx(100 * share_of_engaged, abs=1e-4)


def test_the_share_of_population_is_the_rate_per_thousand_the_page_shows(reader, data):
    page = page_text(reader, "/?period=2026-06&rung0=on")
    per_thousand = float(cell_value(page, "forces-table", "kent", 'data-share-of-population="5"'))
    rows = csv_rows(
        reader.get("/reports/export.csv", {"period": "2026-06", "force": "kent", "scope": "force"})
    )
    row = next(r for r in rows if r["rung_position"] == "5")
    assert per_thousand == pytest.approx(1000 * float(row["share_of_population"]), abs=1e-6)


def test_the_dashboards_csv_keeps_the_platform_and_names_the_forces(reader, data):
    page = page_text(reader, "/forces/kent/?period=2026-06&platform=facebook")
    for link in dashboard_csv_links(page):
        assert parse_qs(urlsplit(link).query)["platform"] == ["facebook"], link
    rows = csv_rows(reader.get(dashboard_csv_links(page)[0]))
    assert {(r["scope"], r["platform"], r["force_name"], r["region"]) for r in rows} == {
        ("platform", "facebook", "Kent Police", "South East")
    }


def test_the_compare_csv_keeps_the_chosen_order(reader, data):
    page = page_text(reader, "/compare/?forces=surrey,kent,essex&period=2026-06")
    rows = csv_rows(reader.get(dashboard_csv_links(page)[0]))
    assert [r["force"] for r in rows] == ["surrey", "kent", "essex"]
    response = reader.get(dashboard_csv_links(page)[0])
    assert "surrey-kent-essex" in response["Content-Disposition"]


# --- Changes and partial periods ------------------------------------------------------------------


def test_a_ladder_changes_in_points_against_the_period_before_and_a_year_before():
    now = Ladder("now", {1: 60, 2: 40})
    now.previous = Ladder("before", {1: 75, 2: 25})
    now.year_before = Ladder("a year before", {1: 50, 2: 50})
    assert now.changes(2) == {"previous": pytest.approx(15.0), "year_before": pytest.approx(-10.0)}
    assert now.changes() == now.changes(2)  # Conversation or above is rung 2 here
    assert Ladder("alone", {1: 1}).changes(1) == {"previous": None, "year_before": None}


def test_the_force_page_shows_the_change_on_the_period_before_and_a_year_before(reader, data):
    page = page_text(reader, "/forces/kent/?period=2026-06")

    def share(period: str) -> float:
        counts = store_counts(data.snapshot, period_type=PeriodType.MONTH, period=period)
        engaged = sum(counts[("kent", "", p)] or 0 for p in range(1, 7))
        return 100 * counts[("kent", "", 3)] / engaged

    ladder = page[page.index('id="ladder-table"') :]
    row = re.search(r'<tr data-rung="3">(.*?)</tr>', ladder, re.S).group(1)
    previous = re.search(r'data-change="previous">(.*?)</td>', row, re.S).group(1)
    year_before = re.search(r'data-change="year_before">(.*?)</td>', row, re.S).group(1)
    assert html.unescape(str(change(share("2026-06") - share("2026-05")))) == html.unescape(
        previous
    )
    assert html.unescape(str(change(share("2026-06") - share("2025-06")))) == html.unescape(
        year_before
    )


def test_the_first_period_held_has_no_change_to_show(reader, data):
    page = page_text(reader, "/forces/kent/?period=2025-04")
    ladder = page[page.index('id="ladder-table"') :]
    assert ladder.count('data-change="previous">–</td>') == 6
    assert ladder.count('data-change="year_before">–</td>') == 6


def test_a_period_the_data_cover_only_part_of_is_partial():
    # The data held run from 10 Apr 2025 to 29 Nov 2026 (London days).
    days = DataDays(date(2025, 4, 10), date(2026, 11, 29))
    quarters = ["2025-Q2", "2025-Q3", "2026-Q3", "2026-Q4"]
    assert partial_periods(PeriodType.QUARTER, quarters, days) == {"2025-Q2", "2026-Q4"}
    assert partial_periods(PeriodType.YEAR, ["2025", "2026"], days) == {"2025", "2026"}
    financial = ["2025-26", "2026-27"]
    assert partial_periods(PeriodType.FINANCIAL_YEAR, financial, days) == {"2025-26", "2026-27"}
    assert partial_periods(PeriodType.MONTH, ["2025-05", "2026-10", "2026-11"], days) == {"2026-11"}


def test_data_ending_on_a_periods_last_day_leave_it_complete():
    days = DataDays(date(2025, 4, 1), date(2026, 6, 30))
    assert partial_periods(PeriodType.QUARTER, ["2025-Q2", "2026-Q2"], days) == frozenset()


def test_the_default_period_is_the_latest_complete_else_the_latest():
    assert latest_complete(["2026-Q2", "2026-Q3", "2026-Q4"], frozenset({"2026-Q4"})) == "2026-Q3"
    assert latest_complete(["2025", "2026"], frozenset({"2025", "2026"})) == "2026"


def test_a_partial_period_is_marked_on_the_page_and_in_its_list(reader, data):
    page = page_text(reader, "/?period_type=year&period=2025")
    assert 'data-testid="partial"' in page
    assert '<option value="2025" selected>2025 (partial)</option>' in page


def test_periods_read_as_people_say_them():
    assert period_name(PeriodType.MONTH, "2026-10") == "Oct 2026"
    assert period_name(PeriodType.QUARTER, "2026-Q2") == "2026 Q2"
    assert period_name(PeriodType.FINANCIAL_YEAR, "2026-27") == "2026-27"
    assert period_name(PeriodType.YEAR, "2026") == "2026"


def test_a_small_share_never_reads_as_zero():
    assert share(0.0123) == "0.012%"
    assert share(12.345) == "12.3%"
    assert share(0) == "0%"
    assert rate(0.00042) == "0.00042"
    assert share(None) == "–"


# --- Filters that carry through -------------------------------------------------------------------


def test_a_wrong_choice_in_the_address_is_replaced_and_named(reader, data):
    page = html.unescape(page_text(reader, "/?period=2099-13&platform=nonsense&region=Atlantis"))
    assert 'data-testid="filter-notices"' in page
    assert "period=2099-13: no month 2099-13 is held; showing Sep 2026." in page
    assert "platform=nonsense: not a platform; showing all platforms." in page
    assert "region=Atlantis: not a region; showing every region." in page
    assert '<option value="2026-09" selected>' in page


def test_the_force_page_applies_the_platform_and_says_the_region_does_not_apply(reader, data):
    url = "/forces/kent/?period=2026-06&platform=twitter&region=South East"
    page = html.unescape(page_text(reader, url))
    kent = Force.objects.get(slug="kent")
    expected = figures(period="2026-06", force=kent, platform="twitter", snapshot=data.snapshot)
    ladder = page[page.index('id="ladder-table"') :]
    for position in range(1, 7):
        row = re.search(rf'<tr data-rung="{position}">(.*?)</tr>', ladder, re.S).group(1)
        shown = re.search(r'<span class="count">([\d,]+)</span>', row).group(1)
        assert int(shown.replace(",", "")) == (expected.get(position) or 0)
    assert "The region filter (South East) does not apply to one force's page" in page
    assert "region=South+East" in page  # kept in the links back


def test_every_link_on_the_overview_keeps_the_filters(reader, data):
    page = html.unescape(page_text(reader, "/?period=2026-06&platform=facebook&region=South East"))
    force_links = re.findall(r'href="(/forces/[^"]+)"', page)
    assert force_links
    for link in force_links:
        query = parse_qs(urlsplit(link).query)
        assert query["period"] == ["2026-06"] and query["platform"] == ["facebook"]
        assert query["region"] == ["South East"]


def test_compare_lists_periods_before_forces_are_chosen(reader, data):
    page = page_text(reader, "/compare/")
    assert '<option value="2026-09"' in page


def test_compare_counts_only_the_forces_that_exist(reader, data):
    page = html.unescape(page_text(reader, "/compare/?forces=kent,essex,atlantis"))
    assert "There is no force 'atlantis'." in page
    assert "(2 chosen)" in page


def test_compare_has_a_platform_filter_and_an_england_and_wales_line(reader, data):
    page = page_text(reader, "/compare/?forces=kent,essex&platform=facebook&period=2026-06")
    assert 'id="f-platform"' in page
    lines = chart(page, "compare-trend-chart")["datasets"]
    assert [line["label"] for line in lines] == ["Kent Police", "Essex Police", "England and Wales"]
    table = chart(page, "compare-chart")
    assert table["labels"][-1] == "England and Wales"


# --- The channel page -----------------------------------------------------------------------------


def test_the_force_page_links_to_each_channel_with_the_filters(reader, data):
    page = html.unescape(page_text(reader, "/forces/kent/?period=2026-06"))
    for slug in ("twitter-main", "facebook-main", "community"):
        assert f"/forces/kent/channels/{slug}/?" in page


def test_the_channel_page_shows_its_ladder_trend_and_figures(reader, data):
    page = page_text(reader, "/forces/kent/channels/facebook-main/?period=2026-06")
    counts = store_counts(
        data.snapshot, period_type=PeriodType.MONTH, period="2026-06", scope=Scope.CHANNEL
    )
    ladder = page[page.index('id="ladder-table"') :]
    for position in range(1, 7):
        row = re.search(rf'<tr data-rung="{position}">(.*?)</tr>', ladder, re.S).group(1)
        shown = re.search(r'<span class="count">([\d,]+)</span>', row).group(1)
        assert int(shown.replace(",", "")) == (counts.get(("kent", "facebook-main", position)) or 0)
    assert len(chart(page, "trend-chart")["labels"]) == 18
    assert "trend-table" in page
    link = dashboard_csv_links(page)[0]
    assert parse_qs(urlsplit(link).query)["channel"] == ["facebook-main"]


def test_the_channel_page_runs_a_constant_few_queries(reader, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page_text(reader, "/forces/kent/channels/facebook-main/?period=2026-06")


def test_an_unknown_channel_is_not_found(reader, data):
    page = page_text(reader, "/forces/kent/channels/nope/", status=404)
    assert "Kent Police has no channel" in html.unescape(page)
    assert 'href="/"' in page


# --- Around the pages -----------------------------------------------------------------------------


def test_an_unknown_force_gets_the_dashboards_not_found_page(reader):
    page = html.unescape(page_text(reader, "/forces/atlantis/", status=404))
    assert "There is no force “atlantis”." in page
    assert "Go back to the overview" in page


def test_a_server_error_gets_a_styled_page_with_a_way_back():
    response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page and 'href="/"' in page and "ladder.css" in page


def test_the_api_root_lists_its_endpoints(reader):
    endpoints = reader.get("/api/v1/").json()
    assert {"forces", "distributions", "definitions", "schema", "docs"} <= set(endpoints)
    assert endpoints["distributions"]["url"].endswith("/api/v1/distributions/")


def test_the_dashboard_links_to_the_api_docs(reader):
    assert f'href="{reverse("api-docs")}"' in page_text(reader, "/definition/")


def test_after_an_import_the_page_says_when_figures_change_and_offers_a_recompute(reader):
    upload = SimpleUploadedFile(
        "c.csv", b"force,channel,platform,name\nkent,main,twitter,Kent\n", content_type="text/csv"
    )
    response = reader.post("/imports/", {"what": "channels", "file": upload})
    page = response.content.decode()
    assert "They change after the next recompute: every night at 02:30" in page
    assert "Recompute now" in page
    response = reader.post(reverse("engagement:recompute-now"))
    assert response.status_code == 302
    assert RecomputeRun.objects.filter(preview=False).exists()


def test_a_published_definitions_admin_page_has_no_save_button(client):
    from engagement.models import EngagementDefinition

    client.force_login(StaffFactory(is_superuser=True))
    published = EngagementDefinition.objects.get(status="published")
    page = client.get(
        reverse("admin:engagement_engagementdefinition_change", args=[published.pk])
    ).content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page
