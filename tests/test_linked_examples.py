"""Linked identities on the worked example: `examples/linked/` (the medium example plus links)
gives exactly its expected distributions and mobility, whether the links arrive after the
interactions or before them, after a full run or incremental ones; withdrawing every link gives
the medium example's figures back byte for byte."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from engagement.ingest.links import import_links, withdraw_links
from engagement.ingest.rows import ImportRequest
from tests.ingestion import EXAMPLES
from tests.recompute_helpers import current_snapshot, import_files, split_import, succeed
from tests.test_mobility_examples import expected_lines, exported_lines
from tests.test_recompute_examples import expected_rows, rows_now

pytestmark = pytest.mark.django_db

LINKED = EXAMPLES / "linked"


def add_links(folder: Path = LINKED) -> None:
    with (folder / "links.csv").open("rb") as source:
        import_links(source=source, request=ImportRequest(filename="links.csv"))


def assert_linked_figures() -> None:
    assert rows_now(with_rung_zero=True) == expected_rows(LINKED, with_rung_zero=True)
    assert exported_lines() == expected_lines(LINKED)


def every_figure() -> tuple[str, str]:
    """The whole long-layout distributions export (every scope, the shares) and mobility."""
    distributions, mobility = io.StringIO(), io.StringIO()
    call_command("export_distributions", "--layout", "long", stdout=distributions)
    call_command("export_mobility", stdout=mobility)
    return distributions.getvalue(), mobility.getvalue()


def test_the_linked_example_gives_its_expected_figures_after_a_full_run():
    import_files(LINKED)
    add_links()
    succeed(full=True)
    assert_linked_figures()


def test_links_arriving_after_the_interactions_are_counted_by_an_incremental_run():
    import_files(LINKED)
    succeed(full=True)
    add_links()
    succeed()
    assert current_snapshot().run.mode == "incremental"
    assert_linked_figures()


def test_links_arriving_before_the_interactions_are_counted_by_incremental_runs():
    add_links()
    split_import(LINKED)
    assert current_snapshot().run.mode == "incremental"
    assert_linked_figures()


def test_withdrawing_every_link_gives_back_the_medium_figures_byte_for_byte():
    import_files(LINKED)
    succeed(full=True)
    unlinked = every_figure()
    add_links()
    succeed()
    assert every_figure() != unlinked
    with (LINKED / "links.csv").open("rb") as source:
        result = withdraw_links(source=source, request=ImportRequest(filename="links.csv"))
    assert result.withdrawn == 28  # 29 lines, one link given twice (tz-gmt, tz-bst, either order)
    assert len(result.not_held) == 1
    succeed()
    assert current_snapshot().run.mode == "incremental"
    assert every_figure() == unlinked


def test_without_links_the_linked_example_is_the_medium_example():
    import_files(LINKED)
    succeed(full=True)
    medium = EXAMPLES / "medium"
    assert rows_now(with_rung_zero=True) == expected_rows(medium, with_rung_zero=True)
