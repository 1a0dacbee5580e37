import os

import pytest
from django.db import connection

REQUIRE_SERVICES = os.environ.get("LADDER_REQUIRE_SERVICES") == "true"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests are skipped, loudly, when the suite fell back to SQLite."""
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if REQUIRE_SERVICES and "postgresql" not in engine:
        raise pytest.UsageError("CI requires PostgreSQL but DATABASE_URL is not PostgreSQL")
    if "postgresql" in engine:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (the suite fell back to SQLite)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def analyst(db):
    from tests.factories import UserFactory

    # No usable password: hashing one takes seconds, and session sign-in needs none.
    return UserFactory(username="analyst", password=None)


@pytest.fixture
def api_client(analyst):
    """A DRF test client signed in as an analyst (session authentication)."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(analyst)
    return client


@pytest.fixture
def published(db):
    """The small published data set of tests.factories.distribution_set (current snapshot)."""
    from tests.factories import distribution_set

    return distribution_set()
