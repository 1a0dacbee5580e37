import csv
import io
import tracemalloc

import pytest

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
    "definition_version,period_type,period,scope,force,channel,rung_position,rung,citizens,share"
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


def test_unknown_values_are_empty_and_shares_have_six_places():
    from decimal import Decimal

    assert list(csv_lines([[None, Decimal("0.5"), True]])) == [",0.500000,true\r\n"]


def test_a_bom_comes_first_only_when_asked():
    assert "".join(csv_lines([["a"]], bom=True)).startswith(BOM)
    assert not "".join(csv_lines([["a"]])).startswith(BOM)


@pytest.mark.django_db
def test_the_long_layout_has_ladder_columns_exactly_and_one_row_per_rung(published):
    text = text_of(distribution_export(DistributionFilters(period="2026-04")))
    assert text.splitlines()[0] == LONG_HEADER
    table = parsed(text)
    assert len(table) == Distribution.objects.filter(snapshot=published, period="2026-04").count()
    first = table[0]
    assert first["definition_version"] == "1"
    assert (first["force"], first["channel"], first["rung"]) == ("alpha", "", "none")
    assert first["citizens"] and first["share"].count(".") == 1


@pytest.mark.django_db
def test_the_long_layout_leaves_unknown_rung_0_empty(published):
    table = parsed(
        text_of(distribution_export(DistributionFilters(period="2026-04", forces=("bravo",))))
    )
    rung0 = [r for r in table if r["rung_position"] == "0" and r["scope"] == "force"]
    assert rung0 == [rung0[0]] and rung0[0]["citizens"] == "" and rung0[0]["share"] == ""


@pytest.mark.django_db
def test_the_wide_layout_has_one_row_per_scope_and_period_and_a_column_per_rung(published):
    text = text_of(distribution_export(DistributionFilters(period="2026-04"), layout="wide"))
    header = text.splitlines()[0].split(",")
    assert text.splitlines()[0] == (
        "definition_version,period_type,period,scope,force,channel,rung_0_none,rung_1_passive,"
        "rung_2_conversation,rung_3_participation,rung_4_activist,rung_5_volunteer,"
        "rung_6_co-designer,total"
    )
    table = parsed(text)
    assert [(r["force"], r["channel"]) for r in table] == [
        ("alpha", ""),
        ("alpha", "offline-main"),
        ("alpha", "twitter-main"),
        ("bravo", ""),
        ("bravo", "facebook-main"),
    ]
    alpha = table[0]
    assert alpha["total"] == "5000"
    assert sum(int(alpha[c] or 0) for c in header[6:13]) == 5000


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
            if (w["period"], w["force"], w["channel"])
            == (row["period"], row["force"], row["channel"])
        )
        assert match[f"rung_{row['rung_position']}_{row['rung']}"] == row["citizens"]


@pytest.mark.django_db
def test_the_wide_layout_total_leaves_out_an_unknown_rung_0(published):
    table = parsed(
        text_of(
            distribution_export(DistributionFilters(period="2026-04", scope="force"), layout="wide")
        )
    )
    bravo = next(r for r in table if r["force"] == "bravo")
    assert bravo["rung_0_none"] == ""
    assert int(bravo["total"]) == sum(
        int(bravo[f]) for f in bravo if f.startswith("rung_") and bravo[f]
    )


@pytest.mark.django_db
def test_a_preview_is_bounded_in_sql(published):
    table = list(distribution_table(DistributionFilters(), layout="long", max_rows=3))
    assert len(table) == 4  # header and 3 rows


def test_the_file_name_names_version_period_and_layout():
    assert export_filename(DistributionFilters(period="2026-Q2"), version=2, layout="wide") == (
        "ladder-v2-2026-q2-wide.csv"
    )
    assert export_filename(
        DistributionFilters(period_type="month", period_from="2026-01", period_to="2026-06"),
        version=1,
        layout="long",
    ) == ("ladder-v1-month-2026-01-to-2026-06-long.csv")
    assert export_filename(DistributionFilters(), version=1, layout="long") == (
        "ladder-v1-all-periods-long.csv"
    )


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
    lines = distribution_export(DistributionFilters()).lines
    tracemalloc.start()
    count = 0
    for _ in lines:
        count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 2860 * 7 + 1
    assert peak < 4_000_000  # the rows as Python objects alone would take well over 10 MB
