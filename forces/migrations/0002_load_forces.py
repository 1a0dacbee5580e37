"""Load the 43 territorial forces from forces/forces.csv, shipped with the project."""

import csv
from pathlib import Path

from django.db import migrations

FORCES_CSV = Path(__file__).resolve().parent.parent / "forces.csv"


def load_forces(apps, schema_editor):
    Force = apps.get_model("forces", "Force")
    with FORCES_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            Force.objects.update_or_create(
                slug=row["slug"],
                defaults={
                    "name": row["name"],
                    "region": row["region"],
                    "country": row["country"],
                    "population": int(row["population"]) if row["population"] else None,
                    "population_year": int(row["population_year"])
                    if row["population_year"]
                    else None,
                    "population_source": row["population_source"],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("forces", "0001_initial")]
    operations = [migrations.RunPython(load_forces, migrations.RunPython.noop)]
