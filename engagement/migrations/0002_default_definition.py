"""Version 1 of the shared definition, from engagement/data/default-definition.json."""

import json
from pathlib import Path

from django.db import migrations

DEFINITION_JSON = Path(__file__).resolve().parent.parent / "data" / "default-definition.json"


def load_default_definition(apps, schema_editor):
    from engagement.definitions.services import load_definition

    definition_model = apps.get_model("engagement", "EngagementDefinition")
    if definition_model.objects.exists():
        return
    load_definition(
        json.loads(DEFINITION_JSON.read_text(encoding="utf-8")),
        definition_model=definition_model,
        rung_model=apps.get_model("engagement", "Rung"),
        kind_model=apps.get_model("engagement", "InteractionKind"),
    )


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]
    operations = [migrations.RunPython(load_default_definition, migrations.RunPython.noop)]
