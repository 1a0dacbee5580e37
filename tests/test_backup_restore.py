"""Backup and restore (issue #27): a restored database gives the same exports byte for byte,
knows every row it held (a re-import creates nothing), and only runs under its pseudonym key.

The backup is made of the test database with its data committed; the restore goes into a new,
empty database of the test's own, through `manage.py` as an operator runs it.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from engagement.ingest.interactions import import_interactions
from engagement.ingest.pseudonym_key import fingerprint, held_fingerprint
from engagement.ingest.rows import ImportFailed
from tests.database_helpers import database_url, manage, spare_database, tables_in
from tests.factories import StaffFactory
from tests.ingestion import csv_file, examples_dir, held_rows

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SMALL = examples_dir("small")
EXPORTS = ("export_distributions", "export_mobility")
ANOTHER_KEY = "another-pseudonym-key"
WRONG_KEY = "PSEUDONYM_KEY is not the key this database was made with"


@pytest.fixture
def loaded(migrations_data):
    """The small example imported and recomputed, committed (so that pg_dump sees it)."""
    call_command("import_channels", str(SMALL / "channels.csv"))
    call_command("import_interactions", str(SMALL / "interactions.csv"))
    call_command("recompute", "--full")


def exports_of(url: str, folder) -> dict[str, bytes]:
    files = {}
    for command in EXPORTS:
        path = folder / f"{command}-{url.rsplit('/', 1)[1]}.csv"
        done = manage(command, "--output", str(path), DATABASE_URL=url)
        assert done.returncode == 0, done.stderr
        files[command] = path.read_bytes()
    return files


def test_a_restored_backup_gives_byte_identical_exports_and_a_reimport_creates_nothing(
    loaded, tmp_path
):
    before = exports_of(database_url(), tmp_path)
    backup = tmp_path / "ladder.dump"
    call_command("backup", str(backup))
    with spare_database("restored") as name:
        url = database_url(name)
        restored = manage("restore", str(backup), DATABASE_URL=url)
        assert restored.returncode == 0, restored.stderr
        migrated = manage("migrate", "--no-input", DATABASE_URL=url)
        assert "No migrations to apply" in migrated.stdout

        assert exports_of(url, tmp_path) == before
        assert all(len(text.splitlines()) > 10 for text in before.values())
        again = manage("import_interactions", str(SMALL / "interactions.csv"), DATABASE_URL=url)
        assert again.returncode == 0, again.stderr
        assert " 0 created, " in again.stdout


def test_restore_under_another_pseudonym_key_is_refused_saying_why_and_loads_nothing(
    loaded, tmp_path
):
    backup = tmp_path / "ladder.dump"
    call_command("backup", str(backup))
    with spare_database("wrongkey") as name:
        done = manage(
            "restore", str(backup), DATABASE_URL=database_url(name), PSEUDONYM_KEY=ANOTHER_KEY
        )
        assert done.returncode == 1
        (line,) = done.stderr.strip().splitlines()
        assert WRONG_KEY in line
        assert "every returning citizen would be counted as new, so nothing was restored" in line
        assert tables_in(name) == 0


def test_restore_into_a_database_that_holds_tables_is_refused(loaded, tmp_path):
    backup = tmp_path / "ladder.dump"
    call_command("backup", str(backup))
    before = held_rows()
    with pytest.raises(CommandError, match=r"is not empty \(\d+ tables\): a backup is restored"):
        call_command("restore", str(backup))
    assert held_rows() == before


def test_a_backup_never_overwrites_a_file(tmp_path, migrations_data):
    backup = tmp_path / "ladder.dump"
    backup.write_text("an older backup")
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(backup))
    assert backup.read_text() == "an older backup"


def test_migrate_records_the_keys_fingerprint_which_is_not_the_key(migrations_data):
    assert held_fingerprint() == fingerprint()
    assert "test-pseudonym-key" not in held_fingerprint()


# --- every import refuses another key (one check: engagement.ingest.rows.import_service) ----


def test_an_import_under_another_key_is_refused_saying_why_and_writes_nothing(loaded):
    before = held_rows()
    with override_settings(PSEUDONYM_KEY=ANOTHER_KEY), pytest.raises(ImportFailed) as refused:
        import_interactions(source=csv_file("kent,tw,alice,view,2026-05-01T10:00:00Z,"))
    assert WRONG_KEY in str(refused.value)
    assert "every returning citizen would be counted as new, so nothing was imported" in str(
        refused.value
    )
    assert held_rows() == before


def test_the_import_command_under_another_key_exits_1_with_one_line(loaded):
    done = manage(
        "import_interactions",
        str(SMALL / "interactions.csv"),
        PSEUDONYM_KEY=ANOTHER_KEY,
        DATABASE_URL=database_url(),
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert WRONG_KEY in done.stderr.strip().splitlines()[-1]


def test_the_upload_page_and_the_api_under_another_key_say_why(loaded, client):
    client.force_login(StaffFactory())
    before = held_rows()
    upload = SimpleUploadedFile("rows.csv", (SMALL / "interactions.csv").read_bytes())
    row = {
        "force": "kent",
        "channel": "tw",
        "citizen": "a",
        "kind": "view",
        "occurred_at": "2026-05-01T10:00:00Z",
    }
    with override_settings(PSEUDONYM_KEY=ANOTHER_KEY):
        page = client.post(reverse("engagement:imports"), {"what": "interactions", "file": upload})
        api = client.post("/api/v1/interactions/", [row], content_type="application/json")
    assert page.status_code == 503 and WRONG_KEY in page.content.decode()
    assert api.status_code == 503 and WRONG_KEY in api.json()["message"]
    assert held_rows() == before


# --- the embedded default: SQLite's online backup -------------------------------------------


def test_on_sqlite_a_restored_backup_gives_byte_identical_exports(tmp_path):
    env = {"DATABASE_URL": "", "REDIS_URL": "", "LADDER_VAR_DIR": str(tmp_path)}
    for command in (
        ["migrate", "--no-input", "-v", "0"],
        ["import_channels", str(SMALL / "channels.csv")],
        ["import_interactions", str(SMALL / "interactions.csv")],
        ["recompute", "--full"],
    ):
        done = manage(*command, **env)
        assert done.returncode == 0, done.stderr

    def export(label: str) -> bytes:
        path = tmp_path / f"{label}.csv"
        done = manage("export_distributions", "--output", str(path), **env)
        assert done.returncode == 0, done.stderr
        return path.read_bytes()

    before = export("before")
    backup = tmp_path / "backup.sqlite3"
    assert manage("backup", str(backup), **env).returncode == 0
    (tmp_path / "ladder.sqlite3").rename(tmp_path / "lost.sqlite3")
    restored = manage("restore", str(backup), **env)
    assert restored.returncode == 0, restored.stderr
    assert export("after") == before
    refused = manage("restore", str(backup), **env)  # the database now holds tables
    assert refused.returncode == 1 and "is not empty" in refused.stderr
