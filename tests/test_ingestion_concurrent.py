"""Two imports of the same rows at once: the second finds the first's rows only when it writes
them (its checks ran before the first committed). It then skips them, as its checks would have:
the insert without ON CONFLICT (engagement.ingest.interactions) falls back to skipping conflicts.
"""

import threading

import pytest
from django.db import connection, transaction

from engagement.ingest.interactions import import_interactions
from engagement.models import Citizen, Interaction
from forces.models import Force, Platform
from tests.factories import ChannelFactory
from tests.ingestion import csv_file

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROWS = (
    "kent,twitter-main,@first,share,2026-03-01T10:00:00Z,race-1",
    "kent,twitter-main,@second,like,2026-03-02T10:00:00Z,",
)


EARLIER = (
    "kent,twitter-main,@first,view,2026-02-01T10:00:00Z,",
    "kent,twitter-main,@second,view,2026-02-02T10:00:00Z,",
)


@pytest.mark.parametrize(
    "citizens_held", [False, True], ids=["the citizens are new", "the citizens are held"]
)
def test_an_import_racing_another_with_the_same_rows_skips_them_and_never_fails(citizens_held):
    """New citizens: the race is on the citizens' insert; held ones: on the interactions'."""
    ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="twitter-main", platform=Platform.TWITTER
    )
    if citizens_held:
        import_interactions(source=csv_file(*EARLIER))
    first_wrote, results, errors = threading.Event(), {}, []

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = import_interactions(source=csv_file(*ROWS)).created
                first_wrote.set()
                # Hold the rows uncommitted while the second import checks and writes.
                threading.Event().wait(1.5)
        except Exception as error:  # reported below
            errors.append(error)
            first_wrote.set()
        finally:
            connection.close()

    def second() -> None:
        first_wrote.wait(30)
        try:
            results["second"] = import_interactions(source=csv_file(*ROWS)).created
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert results == {"first": 2, "second": 0}
    assert Interaction.objects.count() == 2 + 2 * citizens_held
    assert Citizen.objects.count() == 2
