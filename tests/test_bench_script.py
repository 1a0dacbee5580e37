"""The benchmark's settings (scripts/bench): PostgreSQL only, never the developer's database."""

import importlib.machinery
import importlib.util
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
