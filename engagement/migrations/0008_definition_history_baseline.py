from django.db import migrations

from audit.history import record_baseline


def baseline(apps, schema_editor):
    for model_name in ("EngagementDefinition", "Rung", "InteractionKind"):
        record_baseline(apps, "engagement", model_name)


class Migration(migrations.Migration):
    """Definitions written before their history began (v1) get its first entry (issue #9)."""

    dependencies = [("engagement", "0007_definition_history")]

    operations = [migrations.RunPython(baseline, migrations.RunPython.noop)]
