"""The worked examples: import them, recompute, and get exactly the expected distributions."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.ingestion import EXAMPLES
from tests.recompute_helpers import (
    LONG_LAYOUT,
    current_snapshot,
    import_files,
    snapshot_rows,
    split_import,
    succeed,
)

pytestmark = pytest.mark.django_db


def expected_rows(folder: Path, *, with_rung_zero: bool) -> set[tuple]:
    with (folder / "expected-distributions.csv").open(encoding="utf-8") as file:
        return {
            tuple(row[column] for column in LONG_LAYOUT)
            for row in csv.DictReader(file)
            if row["citizens"] != "0" and (with_rung_zero or row["rung_position"] != "0")
        }


def rows_now(*, with_rung_zero: bool) -> set[tuple]:
    """The figures as `export_distributions --layout long` writes them, at the examples' force
    and channel scopes (shares and platform scope aside; the rungs nobody reached, written as 0,
    are not in the expected files)."""
    output = io.StringIO()
    call_command("export_distributions", "--layout", "long", stdout=output)
    return {
        tuple(row[column] for column in LONG_LAYOUT)
        for row in csv.DictReader(io.StringIO(output.getvalue()))
        if row["scope"] != "platform"
        and row["citizens"] != "0"
        and (with_rung_zero or row["rung_position"] != "0")
    }


def test_the_export_holds_every_force_and_channel_row_of_the_published_snapshot():
    folder = EXAMPLES / "small"
    import_files(folder)
    succeed()
    assert rows_now(with_rung_zero=True) == snapshot_rows(
        current_snapshot(), scopes=("force", "channel")
    )


def test_small_example_gives_exactly_the_expected_distributions():
    folder = EXAMPLES / "small"
    import_files(folder)
    succeed()
    assert rows_now(with_rung_zero=False) == expected_rows(folder, with_rung_zero=False)


def test_medium_example_gives_the_expected_distributions_with_rung_zero():
    folder = EXAMPLES / "medium"
    import_files(folder)
    succeed()
    assert rows_now(with_rung_zero=True) == expected_rows(folder, with_rung_zero=True)


def test_small_example_imported_in_two_parts_and_recomputed_incrementally_matches():
    folder = EXAMPLES / "small"
    split_import(folder)
    assert current_snapshot().run.mode == "incremental"
    assert rows_now(with_rung_zero=False) == expected_rows(folder, with_rung_zero=False)
