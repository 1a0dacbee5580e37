"""Who gets what: every URL the project serves, asked by every kind of person.

Each row is one route and method, with the answer each person gets, in the order of PEOPLE:

    anonymous, analyst, definition admin, force data manager of the force the request names,
    force data manager of another force, staff without a group, superuser

An answer is an HTTP status, or `S` (redirected to the product's sign-in page) or `L`
(redirected to the admin's sign-in, which sends a signed-in person without the staff flag away
with 403). A row with an effect (publishing, queueing a run, writing rows) marks with `+` the
answers where the effect must happen; everywhere else it must not. Every request runs in a
transaction that is rolled back, so each starts from the same data.

A route the project serves without a row here fails the test: a new URL needs its answers.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from engagement.definitions.services import create_draft
from engagement.models import EngagementDefinition, ImportBatch, Interaction, RecomputeRun
from forces.models import Channel, Force
from tests.factories import (
    AnalystFactory,
    InteractionFactory,
    StaffFactory,
    UserFactory,
    current_definition,
    distribution_set,
)

pytestmark = pytest.mark.django_db

PEOPLE = ("anonymous", "analyst", "definition_admin", "fdm_own", "fdm_other", "staff", "superuser")
OWN, OTHER = "alpha", "bravo"  # the forces of distribution_set(); requests name OWN


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    answers: str  # one answer per person, in the order of PEOPLE
    url: str = ""  # with {placeholders} from the data; the route itself when empty
    data: Any = None  # a POST body: a dict (form), or a callable making one, or JSON
    effect: str = ""  # the name of a check in EFFECTS, true when the request changed things
    json: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.route, self.method)


@dataclass
class Data:
    ids: dict[str, Any] = field(default_factory=dict)


def interactions_csv() -> SimpleUploadedFile:
    text = f"force,channel,citizen,kind,occurred_at\n{OWN},twitter-main,a,view,2026-05-01T10:00Z\n"
    return SimpleUploadedFile("rows.csv", text.encode(), content_type="text/csv")


API_ROW = [
    {
        "force": OWN,
        "channel": "twitter-main",
        "citizen": "someone",
        "kind": "view",
        "occurred_at": "2026-05-01T10:00:00Z",
    }
]

READ = "S 200 200 200 200 403 200"  # a page for readers
API_READ = "401 200 200 200 200 403 200"
API_NO_POST = "401 405 405 405 405 403 405"
ADMIN_NONE = "S L 403 403 403 403 200"  # an admin page only a superuser may open
ADMIN_READ = "S L 200 200 200 403 200"  # an admin page every staff role may read
ADMIN_NO = "S L 403 403 403 403 403"  # nobody: read-only models have no add, change, delete

# The admin's models: for each, the object its per-object views are asked about and the answers
# of its views (changelist, add, one object, its history, delete, and its bare URL).
ADMIN_MODELS: dict[str, tuple[str, dict[str, str]]] = {
    "auth/group": (
        "{group}",
        dict.fromkeys(("list", "add", "change", "history", "delete"), ADMIN_NONE)
        | {"bare": "S L 302 302 302 302 302"},
    ),
    "auth/user": (
        "{analyst}",
        dict.fromkeys(("list", "add", "change", "history", "delete"), ADMIN_NONE)
        | {"bare": "S L 302 302 302 302 302"},
    ),
    "authtoken/tokenproxy": (
        "{analyst}",
        dict.fromkeys(("list", "add", "change", "history", "delete"), ADMIN_NONE)
        | {"bare": "S L 302 302 302 302 302"},
    ),
    "axes/accessattempt": (
        "{attempt}",
        dict.fromkeys(("list", "change", "history", "delete"), ADMIN_NONE)
        | {"add": ADMIN_NO, "bare": "S L 302 302 302 302 302"},
    ),
    "axes/accesslog": (
        "{access_log}",
        dict.fromkeys(("list", "change", "history", "delete"), ADMIN_NONE)
        | {"add": ADMIN_NO, "bare": "S L 302 302 302 302 302"},
    ),
    "axes/accessfailurelog": (
        "{failure_log}",
        dict.fromkeys(("list", "change", "history", "delete"), ADMIN_NONE)
        | {"add": ADMIN_NO, "bare": "S L 302 302 302 302 302"},
    ),
    "forces/force": (
        "{force}",
        {
            "list": ADMIN_READ,
            "add": ADMIN_NO,
            "change": ADMIN_READ,
            "history": ADMIN_READ,
            "delete": ADMIN_NO,
            "bare": "S L 302 302 302 302 302",
            "version": ADMIN_READ,
        },
    ),
    "forces/channel": (
        "{channel}",
        {
            "list": ADMIN_READ,
            "add": "S L 403 200 200 403 200",
            "change": ADMIN_READ,
            "history": ADMIN_READ,
            "delete": "S L 403 403 403 403 200",
            "bare": "S L 302 302 302 302 302",
            "version": ADMIN_READ,
        },
    ),
    "engagement/engagementdefinition": (
        "{draft}",
        {
            "list": ADMIN_READ,
            "add": ADMIN_NO,
            "change": ADMIN_READ,
            "history": ADMIN_READ,
            "delete": "S L 200 403 403 403 200",
            "bare": "S L 302 302 302 302 302",
        },
    ),
    "engagement/interaction": (
        "{interaction}",
        {
            "list": "S L 403 200 200 403 200",
            "add": ADMIN_NO,
            "change": "S L 403 200 200 403 200",
            "history": "S L 403 200 200 403 200",
            "delete": ADMIN_NO,
            "bare": "S L 302 302 302 302 302",
        },
    ),
    "engagement/importbatch": (
        "{batch}",
        {
            "list": "S L 403 200 200 403 200",
            "add": ADMIN_NO,
            "change": "S L 403 200 200 403 200",
            "history": "S L 403 200 200 403 200",
            "delete": ADMIN_NO,
            "bare": "S L 302 302 302 302 302",
        },
    ),
    "engagement/recomputerun": (
        "{run}",
        {
            "list": ADMIN_READ,
            "add": ADMIN_NO,
            "change": ADMIN_READ,
            "history": ADMIN_READ,
            "delete": ADMIN_NO,
            "bare": "S L 302 302 302 302 302",
        },
    ),
    "engagement/distributionsnapshot": (
        "{snapshot}",
        {
            "list": ADMIN_READ,
            "add": ADMIN_NO,
            "change": ADMIN_READ,
            "history": ADMIN_READ,
            "delete": ADMIN_NO,
            "bare": "S L 302 302 302 302 302",
        },
    ),
}

ADMIN_VIEWS = {
    "list": "",
    "add": "add/",
    "change": "<path:object_id>/change/",
    "history": "<path:object_id>/history/",
    "delete": "<path:object_id>/delete/",
    "bare": "<path:object_id>/",
    "version": "^([^/]+)/history/([^/]+)/$",  # django-simple-history: one past version
}


def admin_model_rows() -> list[Row]:
    rows = []
    for model, (obj, answers) in ADMIN_MODELS.items():
        for view, codes in answers.items():
            suffix = {
                "list": "",
                "add": "add/",
                "version": f"{obj}/history/{{{model.split('/')[1]}_version}}/",
            }.get(view, f"{obj}/{'' if view == 'bare' else view + '/'}")
            rows.append(
                Row(f"admin/{model}/{ADMIN_VIEWS[view]}", "GET", codes, f"/admin/{model}/{suffix}")
            )
    return rows


ROWS: list[Row] = [
    # The pages.
    Row("", "GET", READ, "/"),
    Row("forces/<slug:slug>/", "GET", READ, f"/forces/{OWN}/"),
    Row("compare/", "GET", READ, f"/compare/?forces={OWN}"),
    Row("definition/", "GET", READ),
    Row("reports/", "GET", READ),
    Row("reports/export.csv", "GET", READ, "/reports/export.csv?period_type=month"),
    Row("healthz", "GET", "200 200 200 200 200 200 200"),
    Row("sign-in/", "GET", "200 302 302 302 302 302 302"),
    Row("sign-out/", "POST", "S S S S S S S", data={}),
    # The upload page: force data managers for their own forces, superusers for all.
    Row("imports/", "GET", "S 403 403 200 200 403 200"),
    Row(
        "imports/",
        "POST",
        "S 403 403 200+ 400 403 200+",
        data=lambda: {"what": "interactions", "file": interactions_csv()},
        effect="interaction_written",
    ),
    # The API: every endpoint and method.
    Row("api/v1/schema/", "GET", API_READ),
    Row("api/v1/docs/", "GET", API_READ),
    Row("api/v1/interactions/", "GET", "401 403 403 405 405 403 405"),
    Row(
        "api/v1/interactions/",
        "POST",
        "401 403 403 201+ 400 403 201+",
        data=API_ROW,
        json=True,
        effect="interaction_written",
    ),
    Row("api/v1/^forces/$", "GET", API_READ, "/api/v1/forces/"),
    Row("api/v1/^forces/$", "POST", API_NO_POST, "/api/v1/forces/", data={}),
    Row("api/v1/^forces/(?P<slug>[-a-zA-Z0-9_]+)/$", "GET", API_READ, f"/api/v1/forces/{OWN}/"),
    Row("api/v1/^channels/$", "GET", API_READ, "/api/v1/channels/"),
    Row("api/v1/^channels/$", "POST", API_NO_POST, "/api/v1/channels/", data={}),
    Row("api/v1/^channels/(?P<pk>[0-9]{1,18})/$", "GET", API_READ, "/api/v1/channels/{channel}/"),
    Row("api/v1/^definitions/$", "GET", API_READ, "/api/v1/definitions/"),
    Row("api/v1/^definitions/$", "POST", API_NO_POST, "/api/v1/definitions/", data={}),
    Row("api/v1/^definitions/current/$", "GET", API_READ, "/api/v1/definitions/current/"),
    Row("api/v1/^definitions/(?P<version>[0-9]{1,9})/$", "GET", API_READ, "/api/v1/definitions/1/"),
    Row("api/v1/^recompute-runs/$", "GET", API_READ, "/api/v1/recompute-runs/"),
    Row("api/v1/^recompute-runs/$", "POST", API_NO_POST, "/api/v1/recompute-runs/", data={}),
    Row(
        "api/v1/^recompute-runs/(?P<pk>[0-9]{1,18})/$",
        "GET",
        API_READ,
        "/api/v1/recompute-runs/{run}/",
    ),
    Row("api/v1/^distributions/$", "GET", API_READ, "/api/v1/distributions/"),
    Row("api/v1/^distributions/$", "POST", API_NO_POST, "/api/v1/distributions/", data={}),
    Row(
        "api/v1/^distributions/$",
        "GET",
        API_READ,
        "/api/v1/distributions/?format=csv",
    ),
    # The admin's own pages.
    # (The admin's own views send an anonymous visitor to its sign-in, which sends them on to
    # the product's.)
    Row("admin/", "GET", "L L 200 200 200 200 200"),
    Row("admin/login/", "GET", "S 403 302 302 302 302 302"),
    Row("admin/logout/", "POST", "L 302 S S S S S", data={}),
    Row("admin/password_change/", "GET", "L L 200 200 200 200 200"),
    Row("admin/password_change/done/", "GET", "L L 200 200 200 200 200"),
    Row("admin/autocomplete/", "GET", "L L 403 403 403 403 403"),
    Row("admin/jsi18n/", "GET", "L L 200 200 200 200 200"),
    Row(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        "GET",
        "L L 404 404 404 404 404",
        "/admin/r/{force_type}/{force}/",
    ),
    Row(
        "admin/^(?P<app_label>auth|forces|engagement|authtoken|axes)/$",
        "GET",
        "L L 200 200 200 404 200",
        "/admin/forces/",
    ),
    Row("admin/(?P<url>.*)$", "GET", "L L 404 404 404 404 404", "/admin/nothing-here/"),
    # The admin's definition and recompute doors: each checks its own permission.
    Row(
        "admin/engagement/engagementdefinition/<int:pk>/new-draft/",
        "POST",
        "S L 302+ 403 403 403 302+",
        "/admin/engagement/engagementdefinition/1/new-draft/",
        data={},
        effect="draft_created",
    ),
    Row(
        "admin/engagement/engagementdefinition/<int:pk>/publish/",
        "POST",
        "S L 302+ 403 403 403 302+",
        "/admin/engagement/engagementdefinition/{draft}/publish/",
        data={},
        effect="draft_published",
    ),
    Row(
        "admin/engagement/recomputerun/start/",
        "POST",
        "S L 302+ 403 403 403 302+",
        data={"full": "1"},
        effect="run_queued",
    ),
    Row(
        "admin/engagement/engagementdefinition/",
        "POST",
        "S L 302+ 200 200 403 302+",
        data={"action": "publish_selected", "_selected_action": "{draft}"},
        effect="draft_published",
    ),
    Row(
        "admin/engagement/engagementdefinition/",
        "POST",
        "S L 302+ 200 200 403 302+",
        data={"action": "recompute_selected", "_selected_action": "{draft}"},
        effect="run_queued",
    ),
    # A channel's change view, saved: only by a manager of its force (or a superuser).
    Row(
        "admin/forces/channel/<path:object_id>/change/",
        "POST",
        "S L 403 302+ 403 403 302+",
        "/admin/forces/channel/{channel}/change/",
        data={
            "force": "{force}",
            "slug": "twitter-main",
            "platform": "twitter",
            "name": "Renamed",
            "active": "on",
        },
        effect="channel_renamed",
    ),
    Row(
        "admin/auth/user/<id>/password/", "GET", ADMIN_NONE, "/admin/auth/user/{analyst}/password/"
    ),
    *admin_model_rows(),
]

EFFECTS = {
    "interaction_written": lambda data: Interaction.objects.count() > data.ids["interactions"],
    "draft_created": lambda data: EngagementDefinition.objects.count() > data.ids["definitions"],
    "draft_published": lambda data: (
        EngagementDefinition.objects.get(pk=data.ids["draft"]).status == "published"
    ),
    "run_queued": lambda data: RecomputeRun.objects.count() > data.ids["runs"],
    "channel_renamed": lambda data: Channel.objects.get(pk=data.ids["channel"]).name == "Renamed",
}


def served_routes(patterns=None, prefix: str = "") -> set[str]:
    """Every route of the URL resolver, written as the resolver writes it."""
    routes = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            routes |= served_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            routes.add(prefix + str(pattern.pattern))
    return routes


def test_the_matrix_has_a_row_for_every_url_the_project_serves():
    in_matrix = {row.route for row in ROWS}
    served = served_routes()
    assert sorted(served - in_matrix) == [], "routes served without a row in the matrix"
    assert sorted(in_matrix - served) == [], "rows for routes the project does not serve"


@pytest.fixture
def data() -> Data:
    snapshot = distribution_set()
    superuser = StaffFactory(username="superuser")
    draft = create_draft(based_on=current_definition(), user=superuser)
    channel = Channel.objects.get(force__slug=OWN, slug="twitter-main")
    analyst = AnalystFactory(username="analyst")
    Token.objects.create(user=analyst)
    interaction = InteractionFactory(channel=channel)
    batch = ImportBatch.objects.create(kind="interactions", source="upload", status="succeeded")
    attempt = AccessAttempt.objects.create(
        username="x", ip_address="127.0.0.1", failures_since_start=1
    )
    access_log = AccessLog.objects.create(username="x", ip_address="127.0.0.1")
    failure_log = AccessFailureLog.objects.create(username="x", ip_address="127.0.0.1")
    force = Force.objects.get(slug=OWN)
    return Data(
        ids={
            "draft": draft.pk,
            "channel": channel.pk,
            "force": force.pk,
            "force_type": ContentType.objects.get_for_model(Force).pk,
            "group": Group.objects.get(name="Analysts").pk,
            "analyst": analyst.pk,
            "interaction": interaction.pk,
            "batch": batch.pk,
            "run": snapshot.run.pk,
            "snapshot": snapshot.pk,
            "attempt": attempt.pk,
            "access_log": access_log.pk,
            "failure_log": failure_log.pk,
            "force_version": force.history.latest().history_id,
            "channel_version": channel.history.latest().history_id,
            "interactions": Interaction.objects.count(),
            "definitions": EngagementDefinition.objects.count(),
            "runs": RecomputeRun.objects.count(),
        }
    )


@pytest.fixture
def clients(data) -> dict[str, Client]:
    people = {
        "analyst": AnalystFactory(password=None),
        "definition_admin": UserFactory(password=None, is_staff=True, roles=["Definition admins"]),
        "fdm_own": UserFactory(
            password=None, is_staff=True, roles=["Force data managers"], forces=[OWN]
        ),
        "fdm_other": UserFactory(
            password=None, is_staff=True, roles=["Force data managers"], forces=[OTHER]
        ),
        "staff": UserFactory(password=None, is_staff=True),
        "superuser": StaffFactory(password=None),
    }
    clients = {"anonymous": Client()}
    for name, user in people.items():
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


def filled(value: Any, data: Data) -> Any:
    if isinstance(value, str):
        return value.format(**data.ids)
    if isinstance(value, dict):
        return {key: filled(item, data) for key, item in value.items()}
    return value


def ask(client: Client, row: Row, data: Data):
    url = filled(row.url or "/" + row.route, data)
    if row.method == "GET":
        return client.get(url)
    body = row.data() if callable(row.data) else filled(row.data, data)
    if row.json:
        return client.post(url, json.dumps(body), content_type="application/json")
    return client.post(url, body)


def answer(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/sign-in/"):
            return "S"
        if location.startswith("/admin/login/"):
            return "L"
    return str(response.status_code)


def test_every_url_answers_each_person_as_the_matrix_says(data, clients):
    wrong = []
    for row in ROWS:
        for person, expected in zip(PEOPLE, row.answers.split(), strict=True):
            client = clients[person]
            cookies = copy.deepcopy(client.cookies)  # signing out must not last past its row
            with transaction.atomic():
                got = answer(ask(client, row, data))
                if row.effect:
                    got += "+" if EFFECTS[row.effect](data) else ""
                transaction.set_rollback(True)
            client.cookies = cookies
            if got != expected:
                wrong.append(
                    f"{row.method} {row.url or row.route} as {person}: {got}, not {expected}"
                )
    assert wrong == [], "\n".join(wrong)
