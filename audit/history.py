"""The first entry of a row history: the state of rows that existed before their history began.

Rows loaded by a migration (the 43 forces, definition v1) or written before a model had its
history would otherwise show their first change with nothing to compare it with. Called from
data migrations, with their historical models.
"""

from django.utils import timezone

BASELINE_REASON = "state when the history began"


def record_baseline(apps, app_label: str, model_name: str) -> None:
    """Give every row of the model without a history entry one, as it is now."""
    model = apps.get_model(app_label, model_name)
    historical = apps.get_model(app_label, f"Historical{model_name}")
    held = historical.objects.values("id")
    now = timezone.now()
    fields = [field.attname for field in model._meta.concrete_fields]
    historical.objects.bulk_create(
        (
            historical(
                **{name: getattr(row, name) for name in fields},
                history_date=now,
                history_type="+",
                history_change_reason=BASELINE_REASON,
            )
            for row in model.objects.exclude(pk__in=held).iterator()
        ),
        batch_size=1000,
    )
