import csv
import io
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.factories import long_layout_size

pytestmark = pytest.mark.django_db


def export(**options) -> str:
    out = StringIO()
    call_command("export_distributions", stdout=out, **options)
    return out.getvalue()


def test_it_writes_the_long_layout_to_standard_output_by_default(published):
    text = export()
    assert text.startswith(
        "definition_version,period_type,period,scope,force,platform,channel,rung_position,rung,"
        "citizens,share_of_engaged,share_of_population,partial\r\n"
    )
    assert len(text.splitlines()) == long_layout_size(published) + 1


def test_it_writes_the_wide_layout(published):
    table = list(csv.DictReader(io.StringIO(export(layout="wide", period="2026-04"))))
    assert len(table) == 5
    assert "rung_3_participation" in table[0]


def test_it_applies_the_filters(published):
    table = list(
        csv.DictReader(
            io.StringIO(export(period_type="quarter", scope="force", force="bravo", region="South"))
        )
    )
    assert {(r["period_type"], r["scope"], r["force"]) for r in table} == {
        ("quarter", "force", "bravo")
    }


def test_it_writes_a_file_with_output(published, tmp_path):
    target = tmp_path / "figures.csv"
    call_command(
        "export_distributions", output=target, bom=True, stdout=StringIO(), stderr=StringIO()
    )
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfdefinition_version,")
    assert b"\r\n" in raw and b"\r\r\n" not in raw


def test_it_reads_an_older_definition_version_when_asked(published):
    from engagement.definitions.services import create_draft, publish_definition

    publish_definition(definition=create_draft())
    assert len(export().splitlines()) == 1  # v2 has no figures yet: just the header
    assert len(export(definition="1").splitlines()) > 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"period": "2026-13"}, "--period:"),
        ({"force": "atlantis"}, "--force: Unknown force: atlantis."),
        (
            {"definition": "9"},
            "--definition: There is no published or retired definition version 9.",
        ),
        ({"period_from": "2026-05", "period_to": "2026-01"}, "--period-to:"),
        ({"scope": "planet"}, "--scope:"),
    ],
)
def test_bad_options_stop_it_with_a_message_naming_the_option(published, options, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")) as error:
        export(**options)
    assert message in str(error.value)


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`export_distributions | head` on the embedded default (SQLite, no Redis): the reader
    closes the pipe before the command writes, as `head` does once it has its lines."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["LADDER_VAR_DIR"] = str(tmp_path)
    manage = [sys.executable, "manage.py"]
    here = Path(settings.BASE_DIR)
    subprocess.run([*manage, "migrate", "-v0"], cwd=here, env=env, check=True, timeout=120)
    command = subprocess.Popen(
        [*manage, "export_distributions"],
        cwd=here,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    command.stdout.close()  # the reader is gone before the first line
    errors = command.stderr.read().decode()
    assert command.wait(timeout=60) == 1
    assert "Traceback" not in errors and "Exception ignored" not in errors, errors
