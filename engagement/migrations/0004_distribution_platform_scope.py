"""Platform scope for the figures: a `platform` column on the distribution rows, and their lookup
index rebuilt with it.

Large tables: adding a column with a constant default does not rewrite the table on PostgreSQL
11 and later; rebuilding the index reads every distribution row once: estimated (not measured)
at a few seconds per million rows, as 0003's index on the interactions.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagement", "0003_recompute_rollups"),
        ("forces", "0002_load_forces"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="distribution",
            name="distribution_lookup_idx",
        ),
        migrations.AddField(
            model_name="distribution",
            name="platform",
            field=models.CharField(
                blank=True,
                choices=[
                    ("twitter", "X / Twitter"),
                    ("facebook", "Facebook"),
                    ("instagram", "Instagram"),
                    ("youtube", "YouTube"),
                    ("tiktok", "TikTok"),
                    ("nextdoor", "Nextdoor"),
                    ("whatsapp", "WhatsApp"),
                    ("blog", "Blog"),
                    ("website", "Website"),
                    ("email", "Email"),
                    ("offline", "Offline (meetings, volunteers, panels)"),
                ],
                default="",
                help_text="The platform of a platform-scope row; empty for the other scopes.",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="distribution",
            name="scope",
            field=models.CharField(
                choices=[("force", "Force"), ("channel", "Channel"), ("platform", "Platform")],
                max_length=8,
            ),
        ),
        migrations.AddIndex(
            model_name="distribution",
            index=models.Index(
                fields=["snapshot", "period_type", "period", "scope", "platform"],
                name="distribution_lookup_idx",
            ),
        ),
    ]
