"""The import's staging file, written line by line without csv.writer (issue #23), and its
inserts in the order of the tables' unique indexes: what is stored is what the file said."""

import pytest

from engagement.ingest.interactions import import_interactions
from engagement.models import Citizen, Interaction
from forces.models import Force, Platform
from tests.factories import ChannelFactory
from tests.ingestion import csv_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent_twitter():
    return ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="twitter-main", platform=Platform.TWITTER
    )


@pytest.mark.parametrize(
    "external_id", ["a,b", 'say "hi"', "two\nlines", "\\.", "\\x41", " padded ", "NULL"]
)
def test_an_external_id_with_csv_or_copy_syntax_is_stored_as_written(kent_twitter, external_id):
    quoted = '"' + external_id.replace('"', '""') + '"'
    import_interactions(source=csv_file(f"kent,twitter-main,a,view,2026-05-01T10:00:00Z,{quoted}"))
    assert Interaction.objects.get().external_id == external_id.strip()


def test_an_external_id_with_csv_syntax_still_makes_its_repeat_a_duplicate(kent_twitter):
    line = 'kent,twitter-main,a,view,2026-05-01T10:00:00Z,"x,""1"""'
    import_interactions(source=csv_file(line, line))
    result = import_interactions(source=csv_file(line))
    assert (result.created, result.duplicates) == (0, 1)
    assert Interaction.objects.get().external_id == 'x,"1"'


def test_a_row_without_an_external_id_is_stored_with_none(kent_twitter):
    import_interactions(source=csv_file("kent,twitter-main,a,view,2026-05-01T10:00:00Z,  "))
    assert Interaction.objects.get().external_id is None


def test_interactions_are_inserted_in_the_order_of_the_duplicate_rules_indexes(kent_twitter):
    import_interactions(
        source=csv_file(
            "kent,twitter-main,c,view,2026-05-01T12:00:00Z,",
            "kent,twitter-main,b,view,2026-05-01T10:00:00Z,e3",
            "kent,twitter-main,c,view,2026-05-01T11:00:00Z,",
            "kent,twitter-main,a,view,2026-05-01T10:00:00Z,e1",
            "kent,twitter-main,a,view,2026-05-01T10:00:00Z,e2",
        )
    )
    held = Interaction.objects.order_by("pk")
    assert [row.external_id for row in held] == ["e1", "e2", "e3", None, None]
    assert [row.occurred_at.hour for row in held if row.external_id is None] == [11, 12]


def test_citizens_are_inserted_in_the_order_of_their_pseudonyms(kent_twitter):
    lines = [f"kent,twitter-main,person-{n},view,2026-05-01T10:00:00Z," for n in range(20)]
    import_interactions(source=csv_file(*lines))
    held = [
        bytes(pseudonym)
        for pseudonym in Citizen.objects.order_by("pk").values_list("pseudonym", flat=True)
    ]
    assert len(held) == 20 and held == sorted(held)
