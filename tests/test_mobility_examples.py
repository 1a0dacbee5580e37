"""The worked examples: `export_mobility` writes exactly LADDER.md's expected-mobility.csv, row for
row, after a full rebuild and after incremental runs on a split import."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from engagement.models import Transition
from tests.ingestion import EXAMPLES
from tests.recompute_helpers import current_snapshot, import_files, split_import, succeed

pytestmark = pytest.mark.django_db


def expected_lines(folder: Path) -> list[str]:
    return (folder / "expected-mobility.csv").read_text(encoding="utf-8").splitlines()


def exported_lines(*args: str) -> list[str]:
    output = io.StringIO()
    call_command("export_mobility", *args, stdout=output)
    return output.getvalue().splitlines()


def split_by_time(folder: Path, before: str) -> None:
    """The interactions that occurred before `before` first, the rest later: the second run
    copies the pairs of the earlier periods and recomputes the others."""
    header, *lines = (folder / "interactions.csv").read_text(encoding="utf-8").splitlines()
    column = header.split(",").index("occurred_at")
    early = [line for line in lines if next(csv.reader([line]))[column] < before]
    late = [line for line in lines if line not in early]
    for part in (early, late):
        import_files(folder, "\n".join([header, *part, ""]).encode())
        succeed()


@pytest.mark.parametrize("example", ["small", "medium"])
def test_export_mobility_equals_the_worked_example_after_a_full_rebuild(example):
    folder = EXAMPLES / example
    import_files(folder)
    succeed(full=True)
    assert exported_lines() == expected_lines(folder)


def test_export_mobility_equals_the_small_example_after_an_incremental_run_on_a_split_import():
    folder = EXAMPLES / "small"
    split_import(folder)
    assert current_snapshot().run.mode == "incremental"
    assert exported_lines() == expected_lines(folder)


def test_an_incremental_run_after_a_split_in_time_copies_the_earlier_pairs_and_matches():
    folder = EXAMPLES / "medium"
    split_by_time(folder, "2026-01-01")
    snapshot = current_snapshot()
    assert snapshot.run.mode == "incremental"
    assert snapshot.run.covered["previous_snapshot"]
    assert exported_lines() == expected_lines(folder)


def test_export_mobility_filters_by_period_type_and_force():
    folder = EXAMPLES / "small"
    import_files(folder)
    succeed()
    header, *rows = expected_lines(folder)
    wanted = [row for row in rows if row.split(",")[1] == "quarter" and row.split(",")[4] == "kent"]
    assert wanted
    assert exported_lines("--period-type", "quarter", "--force", "kent") == [header, *wanted]


def test_export_mobility_names_the_option_at_fault():
    with pytest.raises(Exception, match="--force: Unknown force: atlantis"):
        call_command("export_mobility", force="atlantis", stdout=io.StringIO())


def test_transitions_are_deleted_with_their_snapshot():
    folder = EXAMPLES / "small"
    import_files(folder)
    first = succeed(full=True).snapshot
    succeed(full=True)
    succeed(full=True)  # keeps one previous snapshot: the first is pruned
    assert not Transition.objects.filter(snapshot_id=first.pk).exists()
