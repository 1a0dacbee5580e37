"""The audit: every change to a definition, a force, a channel, a user's groups and an API token
is recorded with who, when and what changed, and admins can read it."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token
from simple_history.middleware import HistoryRequestMiddleware

from audit.models import AuditEntry
from engagement.definitions.selectors import current_definition
from engagement.definitions.services import create_draft
from engagement.models import DefinitionStatus, Rung
from forces.models import Channel, Force
from tests.factories import ChannelFactory, StaffFactory, UserFactory
from tests.test_definition_admin import _form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return StaffFactory(username="chief", password=None)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def as_request_by(user, change):
    """Run `change` while serving a request signed in as `user`, as a view would."""
    request = RequestFactory().post("/")
    request.user = user
    HistoryRequestMiddleware(lambda request: change() or HttpResponse())(request)


def changed_fields(record) -> set[str]:
    return {change.field for change in record.diff_against(record.prev_record).changes}


def test_a_draft_edit_in_the_admin_is_recorded_with_who_and_what(admin_client, admin_user):
    draft = create_draft()
    url = reverse("admin:engagement_engagementdefinition_change", args=[draft.pk])
    form_data = _form_data(admin_client.get(url))
    form_data["rungs-1-name"] = "Glimpsed"
    assert admin_client.post(url, form_data).status_code == 302

    record = Rung.history.filter(definition_id=draft.pk).latest("history_id")
    assert (record.name, record.history_type, record.history_user) == ("Glimpsed", "~", admin_user)
    assert changed_fields(record) == {"name"}


def test_publishing_records_the_publish_and_the_retirement_by_the_publisher(
    admin_client, admin_user
):
    v1 = current_definition()
    draft = create_draft()
    admin_client.post(reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk]))

    published = draft.history.latest("history_id")
    retired = v1.history.latest("history_id")
    assert (published.status, published.history_user) == (DefinitionStatus.PUBLISHED, admin_user)
    assert (retired.status, retired.history_user) == (DefinitionStatus.RETIRED, admin_user)
    assert changed_fields(retired) == {"status"}


def test_a_forces_population_change_is_recorded(admin_client, admin_user):
    kent = Force.objects.get(slug="kent")
    url = reverse("admin:forces_force_change", args=[kent.pk])
    form_data = _form_data(admin_client.get(url))
    form_data.update(population=1_900_000, population_year=2024)
    assert admin_client.post(url, form_data).status_code == 302

    record = kent.history.latest("history_id")
    assert (record.population, record.history_user) == (1_900_000, admin_user)
    assert {"population", "population_year"} <= changed_fields(record)


def test_rows_loaded_before_their_history_began_have_a_first_entry():
    kent = Force.objects.get(slug="kent")
    assert kent.history.get().history_change_reason == "state when the history began"
    assert current_definition().history.get().history_type == "+"


def test_a_channel_change_is_recorded(admin_user):
    channel = ChannelFactory(name="Kent on X")
    channel.name = "Kent Police on X"
    as_request_by(admin_user, channel.save)

    record = Channel.history.filter(id=channel.pk).latest("history_id")
    assert (record.history_user, changed_fields(record)) == (admin_user, {"name"})


def test_a_users_groups_change_is_recorded_with_who_and_what(admin_user):
    analyst = UserFactory(username="ana", password=None)
    auditors = Group.objects.create(name="Auditors")
    as_request_by(admin_user, lambda: analyst.groups.add(auditors))
    as_request_by(admin_user, lambda: analyst.groups.remove(auditors))

    added, removed = AuditEntry.objects.filter(subject="ana").order_by("pk")
    assert (added.action, added.subject, added.relation) == ("added", "ana", "groups")
    assert added.changes == {"added": ["Auditors"]}
    assert (removed.action, removed.changes) == ("removed", {"removed": ["Auditors"]})
    assert added.actor == removed.actor == admin_user
    assert added.actor_name == "chief"


def test_any_many_to_many_relation_is_recorded_from_either_side():
    """A relation added later (the forces a user manages) needs no registration."""
    analyst = UserFactory(username="ana", password=None)
    auditors = Group.objects.create(name="Auditors")
    auditors.user_set.add(analyst)
    auditors.permissions.add(Permission.objects.get(codename="view_force"))
    auditors.permissions.clear()

    entries = AuditEntry.objects.filter(subject="Auditors").order_by("pk")
    assert [(e.subject, e.relation, e.changes) for e in entries] == [
        ("Auditors", "user_set", {"added": ["ana"]}),
        ("Auditors", "permissions", {"added": ["Forces and channels | force | Can view force"]}),
        ("Auditors", "permissions", {"removed": ["Forces and channels | force | Can view force"]}),
    ]


def test_a_token_issued_and_revoked_is_recorded_without_its_key(admin_user):
    analyst = UserFactory(username="ana", password=None)
    token = Token.objects.create(user=analyst)
    key = token.key
    as_request_by(admin_user, token.delete)

    issued, revoked = AuditEntry.objects.filter(subject="ana").order_by("pk")
    assert (issued.action, issued.subject) == ("token_issued", "ana")
    assert (revoked.action, revoked.subject, revoked.actor) == ("token_revoked", "ana", admin_user)
    stored = " ".join(str(v) for e in (issued, revoked) for v in e.__dict__.values())
    assert key not in stored


def test_admins_read_the_audit_log(admin_client):
    Group.objects.create(name="Auditors").user_set.add(UserFactory(username="ana", password=None))
    page = admin_client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert "Added to a relation" in page
    assert "added: ana" in page


def test_a_version_in_the_history_cannot_be_saved_back(admin_client):
    draft = create_draft()
    as_draft = draft.history.latest("history_id")
    admin_client.post(reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk]))
    url = reverse(
        "admin:engagement_engagementdefinition_simple_history",
        args=[draft.pk, as_draft.history_id],
    )
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"name": draft.name, "notes": ""}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == DefinitionStatus.PUBLISHED
