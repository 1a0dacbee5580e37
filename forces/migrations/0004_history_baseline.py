from django.db import migrations

from audit.history import record_baseline


def baseline(apps, schema_editor):
    for model_name in ("Force", "Channel"):
        record_baseline(apps, "forces", model_name)


class Migration(migrations.Migration):
    """Forces and channels that predate their history get its first entry (audit, issue #9)."""

    dependencies = [("forces", "0003_channel_slug_starts_with_letter_or_digit")]

    operations = [migrations.RunPython(baseline, migrations.RunPython.noop)]
