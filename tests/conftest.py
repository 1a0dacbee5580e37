import os

import pytest

REQUIRE_SERVICES = os.environ.get("LADDER_REQUIRE_SERVICES") == "true"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests run last; PostgreSQL-only tests are skipped, loudly, on the SQLite fallback.

    Last (after pytest-django has put transactional tests after the others), because once
    Playwright's event loop runs in the main thread, a transactional test's serialized rollback no
    longer restores the migrations' data (forces, definition v1) where later tests read it.
    """
    items.sort(key=lambda item: "browser" in item.keywords)  # stable: the order is otherwise kept
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


@pytest.fixture(autouse=True)
def roomy_api_throttles(settings):
    """API limits no test reaches by accident: every test client shares one address, and the
    throttles' counts live in the shared cache. tests/test_api_access.py sets its own."""
    settings.API_THROTTLE_RATES = {"anon": "100000/minute", "user": "100000/minute"}


@pytest.fixture(autouse=True)
def runs_in_the_request(settings):
    """Without REDIS_URL a run asked for from a page is done in the request in tests (a test's
    own transaction must see it); tests of the background thread set it back to true."""
    settings.RECOMPUTE_IN_BACKGROUND = False


@pytest.fixture
def analyst(db):
    from tests.factories import AnalystFactory

    # No usable password: hashing one takes seconds, and session sign-in needs none.
    return AnalystFactory(username="analyst", password=None)


@pytest.fixture
def empty_cache():
    """The pages' cache emptied before and after the test (figures are cached per snapshot)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reader(client):
    """A client signed in as a reader of the dashboard (an analyst: reads the figures)."""
    from tests.factories import AnalystFactory

    client.force_login(AnalystFactory())
    return client


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


@pytest.fixture
def migrations_data(db):
    """The data the migrations load (the 43 forces, definition v1, the roles), put back if missing.

    Transactional tests flush the database and serialized rollback restores that data, but not
    for a browser test: Playwright's event loop (session-wide) starts before the restore, which
    then lands on another connection object. Browser tests run last (see above) and ask for this.
    """
    import importlib
    import json
    from pathlib import Path

    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.management.sql import emit_post_migrate_signal

    from engagement.definitions.services import load_definition
    from engagement.models import EngagementDefinition
    from forces.models import Force

    if not Force.objects.exists():
        importlib.import_module("forces.migrations.0002_load_forces").load_forces(apps, None)
    if not EngagementDefinition.objects.exists():
        data = Path(settings.BASE_DIR) / "engagement" / "data" / "default-definition.json"
        load_definition(json.loads(data.read_text(encoding="utf-8")))
    if not Group.objects.filter(name="Analysts").exists():
        # The roles (and the permissions they hold) come from post_migrate.
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.fixture
def in_process(monkeypatch, django_capture_on_commit_callbacks):
    """`in_process(action)`: run action, then the tasks it queued, in this process (as without
    REDIS_URL), once its transaction commits."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)

    def run(action):
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return run


@pytest.fixture
def spare_redis(tmp_path):
    """A Redis of this test's own, on its own port, that the test may stop and start."""
    from tests.outage_helpers import SpareRedis

    spare = SpareRedis(tmp_path)
    spare.start()
    yield spare
    spare.stop()


@pytest.fixture
def staff_client(client):
    """Django's test client signed in as a superuser with staff access."""
    from tests.factories import StaffFactory

    client.force_login(StaffFactory())
    return client


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium for every browser test (Playwright downloads nothing)."""
    from pathlib import Path

    from tests.browser_checks import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (part of `make test`).")
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="module")
def module_figures(django_db_setup, django_db_blocker):
    """The dashboard figures of all 43 forces, made once for a module of non-browser tests.

    Made inside a transaction held open for the module, so each test's own transaction is a
    savepoint within it (what a test changes is undone after it), and the module's end rolls the
    figures back: the next module starts from the migrations' data, as it would have.
    Only for modules without transactional tests (those would flush the figures away).
    """
    from django.db import transaction

    from tests.dashboard_data import make_dashboard_data

    with django_db_blocker.unblock(), transaction.atomic():
        yield make_dashboard_data()
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def pages_site(django_db_setup, django_db_blocker, browser):
    """One live server and one set of dashboard figures (43 forces) for a whole browser module.

    Building the figures takes seconds, so a module's page tests share them instead of making
    them per test (see `live_site`).
    `browser` comes first: Playwright must start before the database is touched (see above).
    """
    from tests.dashboard_data import make_dashboard_data

    yield from live_site(django_db_blocker, make_dashboard_data)


def live_site(django_db_blocker, build):
    """A live server over the data `build()` writes (its result is the site's `data`), for a
    whole browser module: the data is written outside any test transaction (database access
    unblocked for the module), a live server thread of its own serves it, and the module's end
    empties the database as a transactional test's end does (the next one with serialized
    rollback puts the migrations' data back)."""
    from types import SimpleNamespace

    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.test import Client
    from pytest_django.live_server_helper import LiveServer

    from tests.dashboard_data import ensure_reference_data
    from tests.factories import AnalystFactory, StaffFactory

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    content_types = {db: dict(models) for db, models in ContentType.objects._cache.items()}
    with django_db_blocker.unblock():
        # Sequences kept, as a transactional test's flush keeps them: rows restored later with
        # their own ids must not meet a sequence started again from 1.
        call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
        ensure_reference_data()
        data = build()
        client = Client()
        client.force_login(StaffFactory(username="pages-analyst"))
        # An analyst without engagement.view_small_numbers: small-number protection applies.
        analyst = Client()
        analyst.force_login(AnalystFactory(username="pages-reader"))
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield SimpleNamespace(
                url=server.url,
                data=data,
                client=client,
                cookie={
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": server.url,
                },
                analyst_cookie={
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": analyst.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": server.url,
                },
            )
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command(
                "flush",
                interactive=False,
                verbosity=0,
                reset_sequences=False,
                inhibit_post_migrate=True,
            )
            # The content types this module made have gone with the flush; the next test gets
            # the ones from before back (serialized rollback), and the audit log's signals,
            # while they are restored, must find those ids in the cache, as they were.
            ContentType.objects.clear_cache()
            ContentType.objects._cache.update(content_types)
