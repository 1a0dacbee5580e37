"""Pseudonyms stored as the 32 bytes of their HMAC (issue #23): half the room of 64 hex
characters in the citizens' table and its unique index, the same person the same bytes in
every import, and migration 0021 converting held citizens both ways without losing one."""

import hashlib
import hmac

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from engagement.ingest.interactions import import_interactions
from engagement.ingest.pseudonyms import as_text, pseudonymise
from engagement.ingest.rows import ImportFailed
from engagement.models import Citizen
from forces.models import Force, Platform
from tests.database_helpers import database_url, manage, spare_database
from tests.factories import ChannelFactory
from tests.ingestion import csv_file, examples_dir

SMALL = examples_dir("small")


@pytest.fixture
def kent_twitter():
    return ChannelFactory(
        force=Force.objects.get(slug="kent"), slug="twitter-main", platform=Platform.TWITTER
    )


def held_pseudonyms() -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pseudonym FROM engagement_citizen ORDER BY id")
        return [bytes(pseudonym) for (pseudonym,) in cursor.fetchall()]


@pytest.mark.django_db
def test_a_citizen_is_stored_as_the_32_bytes_of_the_hmac_of_platform_and_identifier(
    kent_twitter,
):
    import_interactions(source=csv_file("kent,twitter-main,@JaneDoe,view,2026-05-01T10:00:00Z,"))
    key = settings.PSEUDONYM_KEY.encode()
    expected = hmac.new(key, b"twitter:janedoe", hashlib.sha256).digest()
    assert held_pseudonyms() == [expected]


@pytest.mark.django_db
def test_the_pseudonym_column_is_bytea(kent_twitter):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'engagement_citizen' AND column_name = 'pseudonym'"
        )
        assert cursor.fetchone() == ("bytea",)


@pytest.mark.django_db
def test_the_same_person_in_two_imports_is_one_citizen_with_the_same_bytes(kent_twitter):
    import_interactions(source=csv_file("kent,twitter-main,@JaneDoe,view,2026-05-01T10:00:00Z,"))
    import_interactions(source=csv_file("kent,twitter-main, janedoe,like,2026-05-02T10:00:00Z,"))
    assert held_pseudonyms() == [pseudonymise("twitter", "JaneDoe")]
    citizen = Citizen.objects.get(pseudonym=pseudonymise("twitter", "janedoe"))
    assert citizen.platform == Platform.TWITTER


@pytest.mark.django_db
def test_another_key_makes_other_bytes_and_its_import_is_refused(kent_twitter):
    import_interactions(source=csv_file("kent,twitter-main,janedoe,view,2026-05-01T10:00:00Z,"))
    with override_settings(PSEUDONYM_KEY="another-key"):
        other = pseudonymise("twitter", "janedoe")
        with pytest.raises(ImportFailed):
            import_interactions(
                source=csv_file("kent,twitter-main,janedoe,like,2026-05-02T10:00:00Z,")
            )
    assert other != pseudonymise("twitter", "janedoe")
    assert held_pseudonyms() == [pseudonymise("twitter", "janedoe")]


def test_as_text_is_the_64_hex_characters_of_the_pseudonym():
    pseudonym = pseudonymise("twitter", "janedoe")
    assert as_text(pseudonym) == pseudonym.hex() and len(as_text(pseudonym)) == 64
    assert as_text(memoryview(pseudonym)) == pseudonym.hex()


# --- migration 0021, both ways, on held citizens ---------------------------------------------

PEEK = """
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT id, pseudonym FROM engagement_citizen ORDER BY id")
    for pk, value in cursor.fetchall():
        print(pk, "text" if isinstance(value, str) else "bytes", bytes(value).hex()
              if not isinstance(value, str) else value)
"""


def ok(done):
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def round_trip(**env: str) -> tuple[str, str, str]:
    """The citizens held after an import, after migrating back to 0020, and forward again."""
    ok(manage("migrate", "--no-input", "-v", "0", **env))
    ok(manage("import_channels", str(SMALL / "channels.csv"), **env))
    ok(manage("import_interactions", str(SMALL / "interactions.csv"), **env))
    held = ok(manage("shell", "-c", PEEK, **env))
    ok(manage("migrate", "engagement", "0020", "--no-input", "-v", "0", **env))
    back = ok(manage("shell", "-c", PEEK, **env))
    ok(manage("migrate", "--no-input", "-v", "0", **env))
    return held, back, ok(manage("shell", "-c", PEEK, **env))


def assert_round_trip(held: str, back: str, again: str) -> None:
    assert held.count("bytes") > 1 and "text" not in held
    assert back == held.replace("bytes", "text")  # the same citizens, as 64 hex characters
    assert again == held


@pytest.mark.postgres
@pytest.mark.django_db
def test_migration_0021_converts_held_citizens_to_bytes_and_back_on_postgresql():
    with spare_database("pseudonyms") as name:
        assert_round_trip(*round_trip(DATABASE_URL=database_url(name)))


def test_migration_0021_converts_held_citizens_to_bytes_and_back_on_sqlite(tmp_path):
    assert_round_trip(*round_trip(DATABASE_URL="", REDIS_URL="", LADDER_VAR_DIR=str(tmp_path)))
