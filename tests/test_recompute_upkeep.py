"""The rollups and the distribution store stay their live size across runs, with fresh
statistics, even with autovacuum off (the test server runs so): engagement.ladder.upkeep."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from engagement.ladder.periods import local_month_of
from engagement.ladder.recompute import recompute_now
from engagement.ladder.upkeep import TABLES
from engagement.models import CitizenMonth, Interaction
from tests.factories import ChannelFactory, CitizenFactory, InteractionFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

KINDS = ["view", "like", "reply", "share", "follow"]


def some_interactions(citizens: int = 300, months: int = 6) -> None:
    channels = [ChannelFactory(), ChannelFactory()]
    people = CitizenFactory._meta.model.objects.bulk_create(CitizenFactory.build_batch(citizens))
    rows = []
    for number, citizen in enumerate(people):
        for month in range(1, months + 1):
            when = datetime(2026, month, 1 + number % 27, 12, tzinfo=UTC)
            rows.append(
                InteractionFactory.build(
                    channel=channels[number % 2],
                    force=channels[number % 2].force,
                    citizen=citizen,
                    kind=KINDS[(number + month) % len(KINDS)],
                    occurred_at=when,
                    local_month=local_month_of(when),
                )
            )
    Interaction.objects.bulk_create(rows)


def table_bytes() -> dict[str, int]:
    with connection.cursor() as cursor:
        sizes = {}
        for model in TABLES:
            table = model._meta.db_table
            cursor.execute("SELECT pg_table_size(%s)", [table])
            sizes[table] = cursor.fetchone()[0]
    return sizes


def test_full_rebuilds_again_and_again_keep_the_tables_their_size_and_analysed():
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    some_interactions()
    for _ in range(2):
        assert recompute_now(full=True).status == "succeeded"
    settled = table_bytes()
    for _ in range(6):
        assert recompute_now(full=True).status == "succeeded"
    after = table_bytes()

    for table, size in after.items():
        # Without the VACUUM each full rebuild adds its dead rows: 4 times the size by now.
        assert size <= settled[table] * 1.25, (table, settled[table], size, autovacuum)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s", [CitizenMonth._meta.db_table]
        )
        assert cursor.fetchone()[0] == CitizenMonth.objects.count()  # fresh statistics
