"""The recompute's rollups (citizen months, lasting states) and its run records.

Large tables: the rollups are new (empty) tables; on the interactions it builds one index
(local_month). Measured on a 2-core machine shared with other work: about 5 s per million
interactions, during which imports wait (reads go on).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0002_default_definition"),
        ("forces", "0002_load_forces"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CitizenMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.PositiveIntegerField()),
                ("rung_position", models.PositiveSmallIntegerField()),
            ],
        ),
        migrations.CreateModel(
            name="LastingState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=40)),
                ("rung_position", models.PositiveSmallIntegerField()),
                ("opened_month", models.PositiveIntegerField()),
                ("closed_month", models.PositiveIntegerField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name="distributionsnapshot",
            name="first_month",
            field=models.PositiveIntegerField(
                blank=True, help_text="Month index of the earliest interaction held.", null=True
            ),
        ),
        migrations.AddField(
            model_name="distributionsnapshot",
            name="horizon",
            field=models.DateTimeField(
                blank=True, help_text="The latest occurred_at held when the run started.", null=True
            ),
        ),
        migrations.AddField(
            model_name="distributionsnapshot",
            name="horizon_month",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Month index of the horizon (latest interaction held).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="distributionsnapshot",
            name="written_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When every row was written; empty while still writing.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="recomputerun",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True, help_text="Last sign of life from a step of this run.", null=True
            ),
        ),
        migrations.AddField(
            model_name="recomputerun",
            name="in_process",
            field=models.BooleanField(
                default=False,
                help_text="Run start to finish by one process (the command), which holds its lock throughout; otherwise shared out as Celery tasks.",
            ),
        ),
        migrations.AddIndex(
            model_name="interaction",
            index=models.Index(fields=["local_month"], name="interaction_month_idx"),
        ),
        migrations.AddConstraint(
            model_name="recomputerun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "running")),
                fields=("status",),
                name="one_running_recompute",
            ),
        ),
        migrations.AddField(
            model_name="citizenmonth",
            name="channel",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="forces.channel",
            ),
        ),
        migrations.AddField(
            model_name="citizenmonth",
            name="citizen",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="engagement.citizen",
            ),
        ),
        migrations.AddField(
            model_name="citizenmonth",
            name="definition",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="engagement.engagementdefinition",
            ),
        ),
        migrations.AddField(
            model_name="citizenmonth",
            name="force",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="forces.force",
            ),
        ),
        migrations.AddField(
            model_name="lastingstate",
            name="channel",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="forces.channel",
            ),
        ),
        migrations.AddField(
            model_name="lastingstate",
            name="citizen",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="engagement.citizen",
            ),
        ),
        migrations.AddField(
            model_name="lastingstate",
            name="definition",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="engagement.engagementdefinition",
            ),
        ),
        migrations.AddField(
            model_name="lastingstate",
            name="force",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="forces.force",
            ),
        ),
        migrations.AddIndex(
            model_name="citizenmonth",
            index=models.Index(
                fields=["definition", "force", "month"], name="citizenmonth_lookup_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="lastingstate",
            index=models.Index(fields=["definition", "force"], name="lastingstate_lookup_idx"),
        ),
    ]
