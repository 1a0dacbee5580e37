"""Upgrades of a loaded database (issue #27): from an earlier migration state, with its
interactions, figures, drafts, lenses and saved reports, `migrate` loses nothing, and the
figures it keeps are those a fresh computation gives.

Each case works in a PostgreSQL database of its own, through `manage.py` as an operator runs
it. The database is loaded by the current code, then migrated back to the earlier state (the
team keeps every migration reversible, and this runs each reverse on real rows), where the
rows are as that release held them; then `migrate` brings it forward again.
"""

import pytest

from tests.database_helpers import database_url, manage, spare_database
from tests.ingestion import examples_dir

pytestmark = pytest.mark.postgres

SMALL = examples_dir("small")
KEPT = [
    "forces_channel",
    "engagement_citizen",
    "engagement_interaction",
    "engagement_engagementdefinition",
    "engagement_rung",
    "engagement_interactionkind",
    "engagement_recomputerun",
    "engagement_distributionsnapshot",
    "engagement_distribution",
    "engagement_transition",
    "engagement_importbatch",
    "reports_savedreport",
]
EXTRAS = """
from engagement.definitions.services import create_draft, create_lens
from forces.models import Force
from reports.services import save_report
create_draft()
if {lens}:
    create_lens(force=Force.objects.get(slug="gwent"))
save_report(name="Kent by quarter", query={{"force": ["kent"], "period_type": ["quarter"]}},
            layout="long", bom=False, suppress_below=0, user=None)
"""


def ok(done):
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def counts(url: str) -> dict[str, int]:
    query = " UNION ALL ".join(f"SELECT '{table}', count(*) FROM {table}" for table in KEPT)
    out = ok(manage("dbshell", "--", "-At", "-F", ",", "-c", query, DATABASE_URL=url))
    return {table: int(count) for table, count in (line.split(",") for line in out.split())}


def exports(url: str, folder, label: str) -> list[bytes]:
    files = []
    for command in ("export_distributions", "export_mobility"):
        path = folder / f"{label}-{command}.csv"
        ok(manage(command, "--output", str(path), DATABASE_URL=url))
        files.append(path.read_bytes())
    return files


@pytest.mark.parametrize(
    ("earlier", "with_lens"),
    [("0010_access_permissions", False), ("0013_interaction_lean_indexes", True)],
)
def test_migrating_a_loaded_database_forward_loses_nothing_and_keeps_fresh_figures(
    earlier, with_lens, tmp_path
):
    with spare_database("upgrade") as name:
        url = database_url(name)
        ok(manage("migrate", "--no-input", "-v", "0", DATABASE_URL=url))
        ok(manage("import_channels", str(SMALL / "channels.csv"), DATABASE_URL=url))
        ok(manage("import_interactions", str(SMALL / "interactions.csv"), DATABASE_URL=url))
        ok(manage("recompute", "--full", DATABASE_URL=url))
        ok(manage("shell", "-c", EXTRAS.format(lens=with_lens), DATABASE_URL=url))
        held, figures = counts(url), exports(url, tmp_path, "before")
        assert held["engagement_distribution"] > 0 and held["reports_savedreport"] == 1

        ok(manage("migrate", "--no-input", "-v", "0", "engagement", earlier, DATABASE_URL=url))
        applied = ok(manage("showmigrations", "engagement", DATABASE_URL=url))
        assert f"[X] {earlier}" in applied and "[ ] 0015" in applied

        ok(manage("migrate", "--no-input", "-v", "0", DATABASE_URL=url))
        assert counts(url) == held
        assert exports(url, tmp_path, "migrated") == figures
        ok(manage("recompute", "--full", DATABASE_URL=url))
        assert exports(url, tmp_path, "recomputed") == figures
        ok(manage("migrate", "--check", DATABASE_URL=url))
