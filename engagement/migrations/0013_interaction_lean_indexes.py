"""Leaner interactions: three single-column indexes and their foreign-key constraints dropped
(the imports check channels, citizens and forces themselves), the month index dropped, and the
citizens' unique pseudonym held by a named constraint.

Large tables: dropping indexes and constraints takes no time; the pseudonym's unique index is
built again over the citizens. Measured on a 2-core machine shared with other work: 4 to 9 s
per million citizens (a million interactions held beside them change nothing), during which
imports wait (reads go on).
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0012_recomputerun_sent_at"),
        ("forces", "0002_load_forces"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="interaction",
            name="interaction_month_idx",
        ),
        migrations.AlterField(
            model_name="citizen",
            name="pseudonym",
            field=models.CharField(help_text="HMAC-SHA256, hex.", max_length=64),
        ),
        migrations.AlterField(
            model_name="interaction",
            name="channel",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="forces.channel",
            ),
        ),
        migrations.AlterField(
            model_name="interaction",
            name="citizen",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="engagement.citizen",
            ),
        ),
        migrations.AlterField(
            model_name="interaction",
            name="force",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="forces.force",
            ),
        ),
        migrations.AddConstraint(
            model_name="citizen",
            constraint=models.UniqueConstraint(
                fields=("pseudonym",), name="citizen_pseudonym_unique"
            ),
        ),
    ]
