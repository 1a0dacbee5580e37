"""The fingerprint of the pseudonym key, kept so that imports and restores can refuse another key.

A new, one-row table: nothing is rewritten, so it takes no time whatever the size of the data.
The row itself is written after migrate (engagement.apps) or by the first import.
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0018_import_batch_routes"),
    ]

    operations = [
        migrations.CreateModel(
            name="PseudonymKeyFingerprint",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("fingerprint", models.CharField(max_length=64)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "pseudonym key fingerprint",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="one_pseudonym_key_fingerprint"
                    )
                ],
            },
        ),
    ]
