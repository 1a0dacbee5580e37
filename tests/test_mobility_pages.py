"""Mobility and the forces most alike on the pages, through Django's test client: the figures
are the store's, every share says what it is of, and reference lines add citizens together."""

import re

import pytest

from engagement.models import Transition
from forces.models import Force
from tests.dashboard_data import make_dashboard_data
from tests.factories import DistributionFactory, SnapshotFactory

pytestmark = pytest.mark.django_db
PAIR = {"period_type": "month", "to_period": "2026-04"}
QUERY = "period_type=month&period=2026-04"


@pytest.fixture
def three_forces():
    """Kent and Sussex (South East) and Gwent (Wales), with mobility between every two months."""
    forces = list(Force.objects.filter(slug__in=["kent", "sussex", "gwent"]).order_by("slug"))
    return make_dashboard_data(forces=forces)


def moved_up(slugs) -> tuple[int, int]:
    """(moved up, engaged before) for the pair, the forces' citizens added together."""
    rows = Transition.objects.filter(**PAIR, force__slug__in=slugs, from_rung__gt=0)
    return (
        sum(r.citizens for r in rows if r.to_rung > r.from_rung),
        sum(r.citizens for r in rows),
    )


def cell(page: str, table: str, key: str, attribute: str = "data-key") -> str:
    table_html = page[page.index(f'id="{table}"') :]
    row = re.search(rf'<tr {attribute}="{re.escape(key)}".*?</tr>', table_html, re.S).group(0)
    return re.sub(
        r"\s+", " ", re.search(r"<td class=\"numeric\" data-moved-up[^>]*>(.*?)</td>", row).group(1)
    )


def shown(moved: int, of: int) -> str:
    return (
        f'<span class="moved-share">{100 * moved / of:.1f}%</span> '
        f'<span class="moved-of"><span class="moved-count">{moved:,}</span> of {of:,}</span>'
    )


def test_overview_shows_each_forces_moved_up_with_its_denominator(reader, three_forces):
    page = reader.get(f"/?{QUERY}").content.decode()
    for slug in ("kent", "sussex", "gwent"):
        assert cell(page, "forces-table", slug) == shown(*moved_up([slug]))
    assert "Moved up since Mar 2026: share, people of base" in page


def test_overview_reference_lines_add_the_citizens_of_the_nation_and_the_region(
    reader, three_forces
):
    page = reader.get(f"/?{QUERY}&region=South East").content.decode()
    assert cell(page, "references-table", "England and Wales") == shown(
        *moved_up(["kent", "sussex", "gwent"])
    )
    assert cell(page, "references-table", "South East") == shown(*moved_up(["kent", "sussex"]))


def test_overview_sorts_by_moved_up_highest_first(reader, three_forces):
    page = reader.get(f"/?{QUERY}&sort=moved-up").content.decode()
    table = page[page.index('id="forces-table"') :]
    order = re.findall(r'<tr data-key="([a-z-]+)"', table)
    shares = {
        slug: moved_up([slug])[0] / moved_up([slug])[1] for slug in ("kent", "sussex", "gwent")
    }
    assert order[:3] == sorted(
        shares, key=lambda slug: -shares[slug]
    )  # forces without figures last


def test_compare_lists_moved_up_for_the_forces_their_regions_and_the_nation(reader, three_forces):
    page = reader.get(f"/compare/?forces=kent,gwent&{QUERY}").content.decode()
    assert cell(page, "compare-moved-up-table", "kent", "data-area") == shown(*moved_up(["kent"]))
    assert cell(page, "compare-moved-up-table", "South East (region)", "data-area") == shown(
        *moved_up(["kent", "sussex"])
    )
    assert cell(page, "compare-moved-up-table", "England and Wales", "data-area") == shown(
        *moved_up(["kent", "sussex", "gwent"])
    )


def test_force_page_headlines_name_their_denominators(reader, three_forces):
    page = reader.get(f"/forces/kent/?{QUERY}").content.decode()
    moves = {
        (t.from_rung, t.to_rung): t.citizens
        for t in Transition.objects.filter(**PAIR, force__slug="kent")
    }
    newcomers = sum(n for (a, b), n in moves.items() if a == 0)
    engaged_after = sum(n for (_, b), n in moves.items() if b > 0)
    lost = sum(n for (a, b), n in moves.items() if a > 0 and b == 0)
    engaged_before = sum(n for (a, _), n in moves.items() if a > 0)
    assert (
        f"{100 * newcomers / engaged_after:.1f}%</strong> of the {engaged_after:,} people "
        f"engaged in Apr 2026 were newcomers ({newcomers:,} not engaged in Mar 2026)"
    ) in page
    assert (
        f"{100 * lost / engaged_before:.1f}%</strong> of the {engaged_before:,} people engaged in "
        f"Mar 2026 were lost ({lost:,} not engaged in Apr 2026)"
    ) in page


def test_force_page_says_the_first_period_has_no_period_before_it(reader, three_forces):
    page = reader.get("/forces/kent/?period_type=month&period=2025-04").content.decode()
    assert "Apr 2025 is the first month held" in page
    assert 'id="mobility-table"' not in page


def test_force_page_says_when_a_force_has_too_few_engaged_for_a_shape(reader):
    snapshot = SnapshotFactory()
    kent = Force.objects.get(slug="kent")
    DistributionFactory(snapshot=snapshot, force=kent, rung_position=1, citizens=12)
    page = reader.get("/forces/kent/?period_type=month&period=2026-04").content.decode()
    assert "Kent Police had 12 engaged citizens in Apr 2026: fewer than 30" in page
    assert 'id="similar-table"' not in page
