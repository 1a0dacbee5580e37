"""The benchmark's settings (scripts/bench): PostgreSQL only, never the developer's database."""

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BENCH = Path(settings.BASE_DIR) / "scripts" / "bench"


@pytest.fixture(scope="module")
def bench():
    loader = importlib.machinery.SourceFileLoader("ladder_bench_script", str(BENCH))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


@pytest.mark.parametrize("url", ["", "sqlite:///var/ladder.sqlite3"])
def test_the_benchmark_refuses_anything_but_postgresql(bench, url):
    with pytest.raises(SystemExit, match="needs PostgreSQL"):
        bench.bench_settings({"DATABASE_URL": url})


def test_the_benchmark_runs_in_its_own_database_next_to_the_developers(bench):
    url, name, interactions = bench.bench_settings(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/ladder", "BENCH_INTERACTIONS": "2000"}
    )
    assert (url, name, interactions) == (
        "postgres://postgres@127.0.0.1:5432/ladder_bench_run",
        "ladder_bench_run",
        2000,
    )


# Reported beside the others, not held to a target of their own.
WITHOUT_TARGET = {
    "of which mobility, full",
    "of which mobility, incremental",
    "page warming after publishing (a worker)",
    "/healthz p95, 8 clients",
    "overview page, empty cache",
    "force page, empty cache",
}
FIGURES = {
    "import",
    "import again (all duplicates)",
    "full recompute",
    "incremental after one day",
    "incremental with nothing to count",
    "of which mobility, full",
    "of which mobility, incremental",
    "page warming after publishing (a worker)",
    "/healthz p95, 8 clients",
    "overview page p95, 8 clients",
    "overview page from the cache",
    "overview page, empty cache",
    "force page p95, 8 clients",
    "force page from the cache",
    "force page, empty cache",
    "storage: interactions + citizens",
    "peak memory: import",
    "peak memory: recompute",
    "full recompute with links",
}


@pytest.mark.postgres
def test_the_benchmark_measures_every_figure_at_a_tiny_size(tmp_path):
    """A smoke test, never a timing assertion: every figure is measured and paired."""
    output = tmp_path / "results.json"
    environment = {
        **os.environ,
        "BENCH_INTERACTIONS": "1500",
        "BENCH_PAGE_REQUESTS": "4",
        "BENCH_OUTPUT": str(output),
    }
    done = subprocess.run(  # noqa: S603 -- our own script
        [sys.executable, str(BENCH)], env=environment, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(output.read_text())
    figures = {row["figure"]: row for row in results["figures"]}
    assert set(figures) == FIGURES
    for row in figures.values():
        assert isinstance(row["value"], int | float)
        assert bool(row["target"]) != (row["figure"] in WITHOUT_TARGET)
        if row["baseline"]:
            assert row["baseline_value"] > 0 and row["ratio"] is not None
    assert results["rows"]["pages_warmed"] > 0  # timed on its own, not inside the recompute
    assert results["rows"]["forces_out_of_duckdb_memory"] == 0  # a tiny run fits in DuckDB
    assert "| full recompute |" in done.stdout
    for run in ("full", "incremental", "nothing to count"):
        assert results["steps"][run], run  # the time of each step of each recompute
    assert {"count_force", "count_force_moves", "count_rung_zero"} <= set(results["steps"]["full"])
    assert {"first pass (Python)", "_load", "_insert_checked"} <= set(results["steps"]["import"])
