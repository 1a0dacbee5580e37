"""When a run was handed to the workers (a run queued while Redis was down has none)."""

from django.db import migrations, models
from django.db.models import F


def runs_so_far_were_sent_when_queued(apps, schema_editor):
    """Runs recorded before this field existed were sent as they were queued."""
    apps.get_model("engagement", "RecomputeRun").objects.update(sent_at=F("queued_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0011_local_lenses"),
    ]

    operations = [
        migrations.AddField(
            model_name="recomputerun",
            name="sent_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the run was last handed to the workers (Redis); empty while it "
                "could not be, e.g. Redis was down. A run still queued long after is sent again.",
                null=True,
            ),
        ),
        migrations.RunPython(runs_so_far_were_sent_when_queued, migrations.RunPython.noop),
    ]
