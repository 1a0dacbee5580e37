import csv
import io
import tracemalloc

import pytest

from engagement.ladder.upkeep import tidy_rollups
from engagement.models import Distribution
from engagement.store.exports import (
    BOM,
    csv_lines,
    distribution_export,
    distribution_table,
    export_filename,
    neutralise,
)
from engagement.store.selectors import DistributionFilters
from tests.factories import DistributionFactory, ForceFactory, SnapshotFactory

LONG_HEADER = (
    "definition_version,period_type,period,scope,force,platform,channel,rung_position,rung,"
    "citizens,share_of_engaged,share_of_population,partial"
)


def text_of(export) -> str:
    return "".join(export.lines)


def parsed(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix(BOM))))


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_makes_a_formula_start_inert(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Kent Police", "", "1-2", "a=b", 5, -3, None])
def test_neutralise_leaves_other_values_alone(value):
    assert neutralise(value) == value


def test_lines_end_in_crlf_and_quote_only_what_needs_it():
    lines = list(csv_lines([["a", 'say "hi"', "x,y", "two\nlines", 3]]))
    assert lines == ['a,"say ""hi""","x,y","two\nlines",3\r\n']


def test_unknown_values_are_empty_and_shares_are_plain_decimals_without_trailing_zeros():
    from decimal import Decimal

    assert list(csv_lines([[None, Decimal("0.5"), True]])) == [",0.5,true\r\n"]
    assert list(csv_lines([[Decimal("0E-10"), 1.0, 3.3e-07]])) == ["0,1,0.00000033\r\n"]


def test_a_bom_comes_first_only_when_asked():
    assert "".join(csv_lines([["a"]], bom=True)).startswith(BOM)
    assert not "".join(csv_lines([["a"]])).startswith(BOM)


@pytest.mark.django_db
def test_the_long_layout_has_ladder_columns_exactly_and_one_row_per_rung(published):
    text = text_of(distribution_export(DistributionFilters(period="2026-04")))
    assert text.splitlines()[0] == LONG_HEADER
    table = parsed(text)
    rows_by_scope = {}
    for row in table:
        key = (row["scope"], row["force"], row["platform"], row["channel"])
        rows_by_scope.setdefault(key, []).append(row["rung_position"])
    for (scope, _, _, _), positions in rows_by_scope.items():
        expected = ["0"] if scope == "force" else []
        assert positions == [*expected, "1", "2", "3", "4", "5", "6"], scope
    first = table[0]
    assert first["definition_version"] == "1"
    assert (first["force"], first["platform"], first["channel"], first["rung"]) == (
        "alpha",
        "",
        "",
        "none",
    )
    assert first["citizens"] and first["share_of_engaged"] == ""
    assert first["share_of_population"].startswith("0.")


@pytest.mark.django_db
def test_the_long_layout_writes_a_rung_nobody_reached_as_0(published):
    table = parsed(text_of(distribution_export(DistributionFilters())))
    held = {
        (d.period, d.scope, d.force.slug, d.channel.slug if d.channel else "", d.rung_position)
        for d in Distribution.objects.filter(snapshot=published)
    }
    zeros = [r for r in table if r["citizens"] == "0"]
    assert zeros, "the data set has rungs nobody reached"
    for row in zeros:
        key = (row["period"], row["scope"], row["force"], row["channel"], int(row["rung_position"]))
        assert key not in held
        assert row["share_of_engaged"] == "0"


@pytest.mark.django_db
def test_the_long_layout_leaves_unknown_rung_0_empty(published):
    table = parsed(
        text_of(distribution_export(DistributionFilters(period="2026-04", forces=("bravo",))))
    )
    rung0 = [r for r in table if r["rung_position"] == "0"]
    assert len(rung0) == 1 and rung0[0]["scope"] == "force" and rung0[0]["citizens"] == ""
    assert rung0[0]["share_of_engaged"] == "" and rung0[0]["share_of_population"] == ""
    assert {r["share_of_population"] for r in table} == {""}


@pytest.mark.django_db
def test_the_channel_rows_name_their_platform(published):
    table = parsed(text_of(distribution_export(DistributionFilters(scope="channel"))))
    assert {(r["channel"], r["platform"]) for r in table} == {
        ("twitter-main", "twitter"),
        ("offline-main", "offline"),
        ("facebook-main", "facebook"),
    }


@pytest.mark.django_db
def test_the_wide_layout_has_one_row_per_scope_and_period_counts_then_shares(published):
    text = text_of(distribution_export(DistributionFilters(period="2026-04"), layout="wide"))
    rungs = [
        "0_none",
        "1_passive",
        "2_conversation",
        "3_participation",
        "4_activist",
        "5_volunteer",
        "6_co-designer",
    ]
    assert text.splitlines()[0].split(",") == [
        "definition_version",
        "period_type",
        "period",
        "scope",
        "force",
        "force_name",
        "region",
        "platform",
        "channel",
        *(f"rung_{r}" for r in rungs),
        "engaged",
        "conversation_or_above",
        "share_conversation_or_above",
        *(f"share_of_engaged_{r}" for r in rungs[1:]),
        *(f"share_of_population_{r}" for r in rungs),
        "partial",
    ]
    table = parsed(text)
    assert [(r["force"], r["channel"]) for r in table] == [
        ("alpha", ""),
        ("alpha", "offline-main"),
        ("alpha", "twitter-main"),
        ("bravo", ""),
        ("bravo", "facebook-main"),
    ]
    alpha = table[0]
    assert (alpha["force_name"], alpha["region"]) == ("Alpha Police", "North")
    assert sum(int(alpha[f"rung_{r}"]) for r in rungs) == 5000


@pytest.mark.django_db
def test_the_wide_layout_agrees_with_the_long_layout(published):
    long = parsed(text_of(distribution_export(DistributionFilters(period_type="quarter"))))
    wide = parsed(
        text_of(distribution_export(DistributionFilters(period_type="quarter"), layout="wide"))
    )
    for row in long:
        match = next(
            w
            for w in wide
            if (w["period"], w["scope"], w["force"], w["channel"])
            == (row["period"], row["scope"], row["force"], row["channel"])
        )
        rung = f"{row['rung_position']}_{row['rung']}"
        assert match[f"rung_{rung}"] == row["citizens"]
        assert match[f"share_of_population_{rung}"] == row["share_of_population"]
        if row["rung_position"] != "0":
            assert match[f"share_of_engaged_{rung}"] == row["share_of_engaged"]


@pytest.mark.django_db
def test_a_preview_is_bounded_in_sql(published):
    table = list(distribution_table(DistributionFilters(), layout="long", max_rows=3))
    assert len(table) == 4  # header and 3 rows


def test_the_file_name_names_version_period_scope_filters_and_layout():
    assert export_filename(DistributionFilters(period="2026-Q2"), version=2, layout="wide") == (
        "ladder-v2-2026-q2-all-scopes-wide.csv"
    )
    assert export_filename(
        DistributionFilters(period_type="month", period_from="2026-01", period_to="2026-06"),
        version=1,
        layout="long",
    ) == ("ladder-v1-month-2026-01-to-2026-06-all-scopes-long.csv")
    assert export_filename(
        DistributionFilters(
            period="2026-04", scope="platform", forces=("kent", "essex"), platform="facebook"
        ),
        version=1,
        layout="wide",
    ) == ("ladder-v1-2026-04-platform-kent-essex-facebook-wide.csv")
    assert export_filename(
        DistributionFilters(region="South East", channel="x-main"), version=1, layout="long"
    ) == ("ladder-v1-all-periods-all-scopes-south-east-channel-x-main-long.csv")


@pytest.mark.django_db
def test_a_large_export_streams_with_flat_memory():
    """Memory while writing 20,000 rows stays far below what holding them would take."""
    force = ForceFactory()
    snapshot = SnapshotFactory()
    template = DistributionFactory.build(snapshot=snapshot, force=force)
    Distribution.objects.bulk_create(
        Distribution(
            snapshot=snapshot,
            period_type="month",
            period=f"{2000 + i // 12:04d}-{i % 12 + 1:02d}",
            period_start=template.period_start.replace(year=2000 + i // 12, month=i % 12 + 1),
            scope="force",
            force=force,
            rung_position=position,
            citizens=i + position,
        )
        for i in range(2860)
        for position in range(7)
    )
    tidy_rollups()  # as after a published run: without statistics the plan is quadratic
    lines = distribution_export(DistributionFilters()).lines
    tracemalloc.start()
    count = 0
    for _ in lines:
        count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 2860 * 7 + 1
    assert peak < 4_000_000  # the rows as Python objects alone would take well over 10 MB
