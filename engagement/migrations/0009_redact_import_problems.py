import re

from django.db import migrations

# "line 2: kind: 'poke' is not a kind…": the quoted cell goes, the rest of the message stays.
QUOTED = re.compile(r"^((?:line|index) \d+: [^:]+: )(?:'.*'|\".*\") ((?:is|does) .*)$", re.S)


def redact(apps, schema_editor):
    """Problems kept before messages stopped quoting cells may quote a citizen's identifier."""
    ImportBatch = apps.get_model("engagement", "ImportBatch")
    for batch in ImportBatch.objects.exclude(problems=[]).only("pk", "problems").iterator():
        redacted = [
            QUOTED.sub(r"\1\2", problem) if isinstance(problem, str) else problem
            for problem in batch.problems
        ]
        if redacted != batch.problems:
            ImportBatch.objects.filter(pk=batch.pk).update(problems=redacted)


class Migration(migrations.Migration):
    dependencies = [("engagement", "0008_definition_history_baseline")]

    operations = [migrations.RunPython(redact, migrations.RunPython.noop)]
