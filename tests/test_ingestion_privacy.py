"""No citizen's raw identifier reaches the database, the logs or an error message."""

import importlib
import logging

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.urls import reverse

from engagement.ingest.interactions import ImportRejected, import_interactions
from engagement.models import ImportBatch
from forces.models import Force, Platform
from tests.factories import ChannelFactory, InteractionFactory, StaffFactory
from tests.ingestion import csv_file

pytestmark = pytest.mark.django_db

SECRET = "Rosalind.Quietly"
OTHER_SECRET = "Bartholomew.Unseen"


def every_stored_text() -> str:
    parts = []
    for model in apps.get_models():
        for row in model.objects.values():
            parts.extend(str(value) for value in row.values())
    return "\n".join(parts).casefold()


def test_raw_identifiers_reach_no_table_no_log_and_no_error_message(tmp_path, caplog, capsys):
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="main", platform=Platform.TWITTER)
    caplog.set_level(logging.DEBUG)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_file(
            f"kent,main,@{SECRET},view,2026-05-01T10:00:00Z,e1",
            f"kent,main,{OTHER_SECRET},poke,2026-05-01T10:00:00Z,e2",
            f"kent,nowhere,{OTHER_SECRET},view,not a time,e3",
            f"kent,main,{OTHER_SECRET * 30},view,2026-05-01T10:00:00Z,e4",
        ).getvalue()
    )
    good = tmp_path / "good.csv"
    good.write_bytes(
        csv_file(
            f"kent,main,@{SECRET},view,2026-05-01T10:00:00Z,e1",
            f"kent,main,{OTHER_SECRET.upper()},like,2026-05-01T10:00:00Z,",
        ).getvalue()
    )
    with pytest.raises(CommandError) as failure:
        call_command("import_interactions", str(bad))
    call_command("import_interactions", str(good))
    call_command("import_interactions", str(good), "--dry-run")

    output = capsys.readouterr()
    seen = "\n".join(
        [str(failure.value), output.out, output.err, caplog.text, every_stored_text()]
    ).casefold()
    assert "line 3: kind" in seen  # the problems were reported...
    for secret in (SECRET, OTHER_SECRET):
        assert secret.casefold() not in seen  # ...without the identifiers


@pytest.mark.parametrize(
    "line",
    [
        f"@{SECRET},twitter-main,x,view,2026-05-01T10:00:00Z,",
        f"kent,@{SECRET},x,view,2026-05-01T10:00:00Z,",
        f"kent,twitter-main,view,@{SECRET},2026-05-01T10:00:00Z,",
        f"kent,twitter-main,view,2026-05-01T10:00:00Z,@{SECRET},",
        f"kent,twitter-main,x,view,{SECRET}-2026-05-01,",
    ],
    ids=["in force", "in channel", "in kind", "in occurred_at", "in a date"],
)
def test_a_problem_names_line_and_column_but_never_quotes_a_shifted_identifier(line):
    ChannelFactory(force=Force.objects.get(slug="kent"), slug="twitter-main")
    with pytest.raises(ImportRejected) as rejected:
        import_interactions(source=csv_file(line))
    lines = rejected.value.report_lines()
    assert lines and all(problem.startswith("line 2: ") for problem in lines)
    assert SECRET.casefold() not in "\n".join(lines).casefold()


def test_the_admins_interaction_page_shows_no_pseudonym(client):
    interaction = InteractionFactory(citizen__pseudonym=bytes.fromhex("ab12cd34" * 8))
    client.force_login(StaffFactory(password=None))
    page = client.get(
        reverse("admin:engagement_interaction_change", args=[interaction.pk])
    ).content.decode()
    assert interaction.kind in page
    assert "ab12cd34" not in page


def test_problems_kept_before_the_rule_lose_their_quoted_cells():
    redact = importlib.import_module("engagement.migrations.0009_redact_import_problems").redact
    batch = ImportBatch.objects.create(
        kind="interactions",
        source="upload",
        status="rejected",
        problems=[
            f"line 2: kind: '@{SECRET}' is not a kind of the current definition (v1)",
            "line 3: citizen: is empty",
        ],
    )
    redact(apps, None)
    batch.refresh_from_db()
    assert batch.problems == [
        "line 2: kind: is not a kind of the current definition (v1)",
        "line 3: citizen: is empty",
    ]
