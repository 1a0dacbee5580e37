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
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from engagement.definitions.services import create_draft, create_lens
from engagement.models import (
    EngagementDefinition,
    ImportBatch,
    Interaction,
    InteractionKind,
    Link,
    LocalLens,
    RecomputeRun,
    Rung,
)
from forces.models import Channel, Force, Route
from reports.models import Delivery, SavedReport
from reports.services import save_report
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


def routes_csv() -> SimpleUploadedFile:
    text = (
        "force,rung_position,name,channel,url,opens_on,closes_on\n"
        f"{OWN},6,Advisory group,,,2026-01-01,\n"
    )
    return SimpleUploadedFile("routes.csv", text.encode(), content_type="text/csv")


API_ROW = [
    {
        "force": OWN,
        "channel": "twitter-main",
        "citizen": "someone",
        "kind": "view",
        "occurred_at": "2026-05-01T10:00:00Z",
    }
]

# One link between two identifiers of the force OWN (issue #24), as the API takes it.
API_LINK = [
    {
        "force": OWN,
        "platform": "twitter",
        "citizen": "someone",
        "linked_platform": "offline",
        "linked_citizen": "volunteer-1",
    }
]

# Another tool's records, as its API answers them (read through the built-in x-posts profile).
X_POSTS = {
    "data": [{"id": "1790000000000000001", "author_id": "42", "created_at": "2026-05-01T08:00:00Z"}]
}


def x_posts_export() -> SimpleUploadedFile:
    return SimpleUploadedFile("x.json", json.dumps(X_POSTS).encode(), "application/json")


READ = "S 200 200 200 200 403 200"  # a page for readers
IMPACT = "S 403 200 403 403 403 200"  # a draft's preview: definition admins
API_READ = "401 200 200 200 200 403 200"
API_NO_POST = "401 405 405 405 405 403 405"
ADMIN_NONE = "S L 403 403 403 403 200"  # an admin page only a superuser may open
ADMIN_READ = "S L 200 200 200 403 200"  # an admin page every staff role may read
ADMIN_NO = "S L 403 403 403 403 403"  # nobody: read-only models have no add, change, delete
# The lens of OWN: definition admins and OWN's managers. Another force's manager is not shown it
# (its change page and buttons send them to the admin's index: no such object) and changes nothing.
LENS_OWN = "S L 200 200 403 403 200"
PAGE_BARE = "S L 302 302 302 302 302"  # an object's bare URL, sent on to its change page
# Any model only a superuser may see or change (the beat schedule, saved reports' admin).
SUPERUSER_ONLY = dict.fromkeys(("list", "add", "change", "history", "delete"), ADMIN_NONE) | {
    "bare": PAGE_BARE
}
# A record nobody edits that definition admins read: the audit log, the definition's row history.
HISTORY_LOG = dict.fromkeys(("list", "change", "history"), "S L 200 403 403 403 200") | {
    "add": ADMIN_NO,
    "delete": ADMIN_NO,
    "bare": PAGE_BARE,
}

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
    # Routes: definition admins keep every force's, a data manager their own forces'.
    "forces/route": (
        "{route}",
        {
            "list": ADMIN_READ,
            "add": "S L 200 200 200 403 200",
            "change": ADMIN_READ,
            "history": ADMIN_READ,
            "delete": "S L 200 200 403 403 200",
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
            "version": ADMIN_READ,
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
    "engagement/locallens": (
        "{lens}",
        {
            "list": "S L 200 200 200 403 200",
            "add": ADMIN_NO,
            "change": "S L 200 200 302 403 200",
            "history": LENS_OWN,
            # Another force's manager may discard lenses, but is shown no such lens: sent away.
            "delete": "S L 200 200 302 403 200",
            "bare": "S L 302 302 302 302 302",
            "version": LENS_OWN,
        },
    ),
    "engagement/historicalrung": ("{rung_history}", HISTORY_LOG),
    "engagement/historicalinteractionkind": ("{kind_history}", HISTORY_LOG),
    "audit/auditentry": ("{audit_entry}", HISTORY_LOG),
    "reports/savedreport": ("{saved_report}", SUPERUSER_ONLY),
    "django_celery_beat/periodictask": ("{periodic_task}", SUPERUSER_ONLY),
    "django_celery_beat/crontabschedule": ("{crontab}", SUPERUSER_ONLY),
    "django_celery_beat/intervalschedule": ("{interval}", SUPERUSER_ONLY),
    "django_celery_beat/solarschedule": ("{solar}", SUPERUSER_ONLY),
    "django_celery_beat/clockedschedule": ("{clocked}", SUPERUSER_ONLY),
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
    Row(
        "forces/<slug:slug>/channels/<slug:channel>/",
        "GET",
        READ,
        f"/forces/{OWN}/channels/twitter-main/",
    ),
    Row("compare/", "GET", READ, f"/compare/?forces={OWN}"),
    Row("definition/", "GET", READ),
    Row("reports/", "GET", READ),
    Row("reports/export.csv", "GET", READ, "/reports/export.csv?period_type=month"),
    Row("healthz", "GET", "200 200 200 200 200 200 200"),
    Row("readyz", "GET", "200 200 200 200 200 200 200"),
    Row("sign-in/", "GET", "200 302 302 302 302 302 302"),
    Row("sign-out/", "POST", "S S S S S S S", data={}),
    # The upload page: force data managers for their own forces, superusers for all; definition
    # admins for routes only (every force's).
    Row("imports/", "GET", "S 403 200 200 200 403 200"),
    # The template files named on the upload page: those who import that kind of file.
    Row(
        "imports/template/<slug:what>.csv",
        "GET",
        "S 403 403 200 200 403 200",
        "/imports/template/interactions.csv",
    ),
    # "Recompute now" after an import: those who may start a recompute, by POST only.
    Row("imports/recompute/", "GET", "S 405 405 405 405 405 405"),
    Row(
        "imports/recompute/",
        "POST",
        "S 403 302+ 403 403 403 302+",
        data={},
        effect="run_queued",
    ),
    Row(
        "imports/",
        "POST",
        "S 403 400 200+ 400 403 200+",
        data=lambda: {"what": "interactions", "file": interactions_csv()},
        effect="interaction_written",
    ),
    Row(
        "imports/",
        "POST",
        "S 403 200+ 200+ 400 403 200+",
        data=lambda: {"what": "routes", "file": routes_csv()},
        effect="route_imported",
    ),
    # Another tool's export through an import profile (issue #26): as the upload page.
    Row("imports/profiles/", "GET", "S 403 403 200 200 403 200"),
    Row(
        "imports/profiles/",
        "POST",
        "S 403 403 302 302 403 302",
        data=lambda: {"file": x_posts_export(), "profile": "x-posts", "format": "json"},
    ),
    # An export being mapped is its session's only: anyone else's token is not found.
    Row(
        "imports/profiles/<slug:token>/",
        "GET",
        "S 403 403 404 404 403 404",
        "/imports/profiles/not-yours/",
    ),
    Row(
        "imports/profiles/<slug:token>/",
        "POST",
        "S 403 403 404 404 403 404",
        "/imports/profiles/not-yours/",
        data={"action": "import"},
    ),
    # An upload's own page: the person who uploaded it (and superusers), among those who import.
    Row("imports/<int:pk>/", "GET", "S 403 404 200 404 403 200", "/imports/{batch}/"),
    # Saved reports: every reader saves, reads and runs them (issue #15).
    Row(
        "reports/save/",
        "POST",
        "S 302+ 302+ 302+ 302+ 403 302+",
        data={"name": "Monthly", "period_type": "month", "layout": "long"},
        effect="report_saved",
    ),
    Row("reports/saved/", "GET", READ),
    Row("reports/saved/<int:pk>/", "GET", READ, "/reports/saved/{saved_report}/"),
    Row(
        "reports/saved/<int:pk>/run/",
        "POST",
        "S 302+ 302+ 302+ 302+ 403 302+",
        "/reports/saved/{saved_report}/run/",
        data={},
        effect="delivery_created",
    ),
    Row("reports/deliveries/<int:pk>/", "GET", READ, "/reports/deliveries/{delivery}/"),
    # A draft's impact preview: definition admins only (a preview is not a published figure).
    Row("definitions/<int:pk>/impact/", "GET", IMPACT, "/definitions/{draft}/impact/"),
    Row(
        "definitions/<int:pk>/impact/status/", "GET", IMPACT, "/definitions/{draft}/impact/status/"
    ),
    Row(
        "definitions/<int:pk>/impact/start/",
        "POST",
        "S 403 302+ 403 403 403 302+",
        "/definitions/{draft}/impact/start/",
        data={},
        effect="run_queued",
    ),
    # The API: every endpoint and method.
    Row("api/v1/", "GET", API_READ),
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
    Row("api/v1/interactions/profiled/", "GET", "401 403 403 405 405 403 405"),
    Row(
        "api/v1/interactions/profiled/",
        "POST",
        "401 403 403 201+ 400 403 201+",
        f"/api/v1/interactions/profiled/?profile=x-posts&force={OWN}&channel=twitter-main",
        data=X_POSTS,
        json=True,
        effect="interaction_written",
    ),
    # Links (one person, with consent) and their withdrawal: as posting interactions.
    Row("api/v1/links/", "GET", "401 403 403 405 405 403 405"),
    Row(
        "api/v1/links/",
        "POST",
        "401 403 403 201+ 400 403 201+",
        data=API_LINK,
        json=True,
        effect="link_recorded",
    ),
    Row("api/v1/links/withdrawals/", "GET", "401 403 403 405 405 403 405"),
    Row(
        "api/v1/links/withdrawals/", "POST", "401 403 403 200 400 403 200", data=API_LINK, json=True
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
    Row("api/v1/^mobility/$", "GET", API_READ, "/api/v1/mobility/"),
    Row("api/v1/^similar-forces/$", "GET", API_READ, f"/api/v1/similar-forces/?force={OWN}"),
    Row("api/v1/^routes/$", "GET", API_READ, "/api/v1/routes/"),
    *(
        Row(f"api/v1/{name}.csv", "GET", API_READ)
        for name in (
            "forces",
            "channels",
            "definitions",
            "recompute-runs",
            "distributions",
            "mobility",
            "similar-forces",
            "routes",
        )
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
        "admin/^(?P<app_label>auth|django_celery_beat|authtoken|audit|forces|engagement|reports|axes)/$",
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
    # The list's publish action leads to the draft's confirmation: it publishes nothing itself.
    Row(
        "admin/engagement/engagementdefinition/",
        "POST",
        "S L 302 200 200 403 302",
        data={"action": "publish_selected", "_selected_action": "{draft}"},
    ),
    # Publishing's confirmation (with the preview's movers): those who may publish.
    Row(
        "admin/engagement/engagementdefinition/<int:pk>/publish/",
        "GET",
        "S L 200 403 403 403 200",
        "/admin/engagement/engagementdefinition/{draft}/publish/",
    ),
    # A run's progress, then its result (and the page's status endpoint): those who read runs.
    Row(
        "admin/engagement/recomputerun/<int:pk>/progress/",
        "GET",
        ADMIN_READ,
        "/admin/engagement/recomputerun/{run}/progress/",
    ),
    Row(
        "admin/engagement/recomputerun/<int:pk>/progress/status/",
        "GET",
        ADMIN_READ,
        "/admin/engagement/recomputerun/{run}/progress/status/",
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
    # A route's change view, saved: definition admins, a manager of its force, superusers.
    Row(
        "admin/forces/route/<path:object_id>/change/",
        "POST",
        "S L 302+ 302+ 403 403 302+",
        "/admin/forces/route/{route}/change/",
        data={
            "force": "{force}",
            "rung_position": "6",
            "name": "Renamed",
            "channel": "{channel}",
            "url": "",
            "opens_on": "2026-01-01",
        },
        effect="route_renamed",
    ),
    # A force's local lens: definition admins for every force, data managers for their own.
    Row("admin/engagement/locallens/new-lens/", "GET", "S L 200 200 200 403 200"),
    Row(
        "admin/engagement/locallens/new-lens/",
        "POST",
        "S L 302+ 302+ 403 403 302+",
        data={"force": "{force}"},
        effect="lens_created",
    ),
    Row(
        "admin/engagement/locallens/<int:pk>/new-draft/",
        "POST",
        "S L 302+ 302+ 302 403 302+",
        "/admin/engagement/locallens/{lens}/new-draft/",
        data={},
        effect="lens_created",
    ),
    Row(
        "admin/engagement/locallens/<int:pk>/publish/",
        "POST",
        "S L 302+ 302+ 302 403 302+",
        "/admin/engagement/locallens/{lens}/publish/",
        data={},
        effect="lens_published",
    ),
    # Erasing a citizen: superusers only.
    Row("admin/engagement/interaction/erase/", "GET", ADMIN_NONE),
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
    "lens_created": lambda data: LocalLens.objects.count() > data.ids["lenses"],
    "lens_published": lambda data: LocalLens.objects.get(pk=data.ids["lens"]).status == "published",
    "report_saved": lambda data: SavedReport.objects.count() > data.ids["saved_reports"],
    "delivery_created": lambda data: Delivery.objects.count() > data.ids["deliveries"],
    "channel_renamed": lambda data: Channel.objects.get(pk=data.ids["channel"]).name == "Renamed",
    "route_renamed": lambda data: Route.objects.get(pk=data.ids["route"]).name == "Renamed",
    "route_imported": lambda data: Route.objects.count() > data.ids["routes"],
    "link_recorded": lambda data: Link.objects.count() > data.ids["links"],
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
def data(settings, tmp_path) -> Data:
    snapshot = distribution_set()
    superuser = StaffFactory(username="superuser")
    draft = create_draft(based_on=current_definition(), user=superuser)
    force = Force.objects.get(slug=OWN)
    lens = create_lens(force=force, user=superuser)
    channel = Channel.objects.get(force__slug=OWN, slug="twitter-main")
    analyst = AnalystFactory(username="analyst")
    Token.objects.create(user=analyst)
    interaction = InteractionFactory(channel=channel)
    route = Route.objects.create(
        force=force,
        rung_position=4,
        name="Street briefings",
        channel=channel,
        opens_on="2026-01-01",
    )
    batch = ImportBatch.objects.create(kind="interactions", source="upload", status="succeeded")
    attempt = AccessAttempt.objects.create(
        username="x", ip_address="127.0.0.1", failures_since_start=1
    )
    access_log = AccessLog.objects.create(username="x", ip_address="127.0.0.1")
    failure_log = AccessFailureLog.objects.create(username="x", ip_address="127.0.0.1")
    audit_entry = AuditEntry.objects.create(action=AuditEntry.Action.TOKEN_ISSUED, subject="x")
    saved_report = save_report(
        name="Monthly", query={}, layout="long", bom=False, suppress_below=0, user=analyst
    )
    settings.DELIVERED_REPORTS_DIR = tmp_path
    (tmp_path / "monthly.csv").write_text("force,rung\n")
    delivery = Delivery.objects.create(
        report=saved_report,
        trigger="matrix",
        status=Delivery.Status.SUCCEEDED,
        filename="monthly.csv",
        file="monthly.csv",
    )
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    history = EngagementDefinition.history
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
            "route": route.pk,
            "routes": Route.objects.count(),
            "route_version": route.history.latest().history_id,
            "interactions": Interaction.objects.count(),
            "links": Link.objects.count(),
            "definitions": EngagementDefinition.objects.count(),
            "runs": RecomputeRun.objects.count(),
            "lens": lens.pk,
            "lenses": LocalLens.objects.count(),
            "engagementdefinition_version": history.filter(id=draft.pk).latest().history_id,
            "locallens_version": history.filter(id=lens.pk).latest().history_id,
            "rung_history": Rung.history.filter(definition=draft).first().history_id,
            "kind_history": InteractionKind.history.filter(definition=draft).first().history_id,
            "audit_entry": audit_entry.pk,
            "saved_report": saved_report.pk,
            "saved_reports": SavedReport.objects.count(),
            "delivery": delivery.pk,
            "deliveries": Delivery.objects.count(),
            "interval": interval.pk,
            "crontab": CrontabSchedule.objects.create().pk,
            "solar": SolarSchedule.objects.create(event="sunrise", latitude=51, longitude=0).pk,
            "clocked": ClockedSchedule.objects.create(clocked_time=timezone.now()).pk,
            "periodic_task": PeriodicTask.objects.create(
                name="matrix", task="reports.tasks.prune_delivered", interval=interval
            ).pk,
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
    # The upload's page is its uploader's: the batch is OWN's manager's.
    ImportBatch.objects.filter(pk=data.ids["batch"]).update(user=people["fdm_own"])
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
