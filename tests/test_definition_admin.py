"""The definition admin, as a definition admin uses it in the browser's forms."""

import pytest
from django.contrib.messages import get_messages
from django.db.models import RestrictedError
from django.urls import reverse

from engagement.definitions.selectors import current_definition
from engagement.definitions.services import create_draft
from engagement.ladder.recompute import recompute_now
from engagement.models import (
    DefinitionStatus,
    Distribution,
    DistributionSnapshot,
    EngagementDefinition,
    RecomputeRun,
    Rung,
)
from tests.factories import ChannelFactory, CitizenFactory, StaffFactory, UserFactory
from tests.recompute_helpers import act

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory())
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_new_draft_button_copies_the_current_definition(admin_client):
    v1 = current_definition()
    response = admin_client.post(
        reverse("admin:engagement_engagementdefinition_new_draft", args=[v1.pk]), follow=True
    )
    draft = EngagementDefinition.objects.get(version=2)
    assert draft.status == DefinitionStatus.DRAFT
    assert "Draft version 2 created from version 1" in _messages(response)[0]


def test_publish_button_publishes_a_valid_draft(admin_client):
    draft = create_draft()
    response = admin_client.post(
        reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk]), follow=True
    )
    assert "Version 2 is now the current definition" in _messages(response)[0]
    assert current_definition() == draft


def test_publish_button_refuses_an_invalid_draft_with_the_reason(admin_client):
    draft = create_draft()
    draft.kinds.filter(slug="follow").update(ended_by="nothing-here")
    response = admin_client.post(
        reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk]), follow=True
    )
    message = _messages(response)[0]
    assert message.startswith("Version 2 was not published")
    assert "ended by 'nothing-here'" in message
    assert current_definition().version == 1


def test_a_definition_admin_discards_a_draft_with_its_rungs_and_kinds(client):
    client.force_login(UserFactory(password=None, is_staff=True, roles=["Definition admins"]))
    draft = create_draft()
    response = client.post(
        reverse("admin:engagement_engagementdefinition_delete", args=[draft.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not EngagementDefinition.objects.filter(pk=draft.pk).exists()
    assert not Rung.objects.filter(definition_id=draft.pk).exists()
    assert current_definition().version == 1


def test_a_rung_a_kind_reaches_is_not_deleted_on_its_own():
    draft = create_draft()
    reached = draft.kinds.exclude(rung=None).first().rung
    with pytest.raises(RestrictedError):
        reached.delete()
    assert Rung.objects.filter(pk=reached.pk).exists()


def test_published_definition_page_offers_no_editable_rungs(admin_client):
    v1 = current_definition()
    response = admin_client.get(
        reverse("admin:engagement_engagementdefinition_change", args=[v1.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "can no longer be changed" in page
    assert 'name="rungs-0-name"' not in page
    assert "Create a new draft from this version" in page


def test_draft_page_edits_rung_names_and_kind_mapping_inline(admin_client):
    draft = create_draft()
    url = reverse("admin:engagement_engagementdefinition_change", args=[draft.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="rungs-0-name"' in page
    assert 'name="kinds-0-rung"' in page
    assert "Publish this draft" in page


def test_duplicate_kind_slugs_in_the_inline_form_are_refused(admin_client):
    draft = create_draft()
    url = reverse("admin:engagement_engagementdefinition_change", args=[draft.pk])
    response = admin_client.get(url)
    form_data = _form_data(response)
    form_data["kinds-1-slug"] = form_data["kinds-0-slug"]
    response = admin_client.post(url, form_data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for slug" in response.content.decode()


def _form_data(response) -> dict:
    """The change form's current values, as the browser would post them back."""
    data = {}
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[management.add_prefix(name)] = management.initial.get(name, field.initial)
        for form in formset.formset.forms:
            data[form.add_prefix("id")] = form.instance.pk
            for name in form.fields:
                value = form.initial.get(name)
                if value is None:
                    continue
                data[form.add_prefix(name)] = getattr(value, "pk", value)
    adminform = response.context["adminform"].form
    for name in adminform.fields:
        data[name] = adminform.initial.get(name, "")
    return data


def test_staff_analysts_cannot_publish_through_the_list_action(client):
    client.force_login(UserFactory(password=None, is_staff=True, roles=["Analysts"]))
    draft = create_draft()
    client.post(
        reverse("admin:engagement_engagementdefinition_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk]},
    )
    assert current_definition().version == 1


def test_the_list_action_leads_a_definition_admin_to_the_drafts_confirmation(client):
    client.force_login(UserFactory(password=None, is_staff=True, roles=["Definition admins"]))
    draft = create_draft()
    response = client.post(
        reverse("admin:engagement_engagementdefinition_changelist"),
        {"action": "publish_selected", "_selected_action": [draft.pk]},
    )
    publish = reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk])
    assert response.status_code == 302 and response.url == publish
    assert current_definition().version == 1  # not yet: the confirmation asks first
    client.post(publish)
    assert current_definition() == draft


def test_publishing_asks_to_confirm_first_and_says_no_preview_was_computed(admin_client):
    draft = create_draft()
    response = admin_client.get(
        reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk])
    )
    page = response.content.decode()
    assert "Yes, publish version 2" in page and "No, keep it a draft" in page
    assert "No impact preview has been computed for this draft" in page
    assert current_definition().version == 1


def test_the_confirmation_names_the_forces_whose_conversation_or_above_share_moves_most(
    admin_client, in_process
):
    channel = ChannelFactory()
    act(channel, CitizenFactory(), "view", "2026-01-10")  # Passive under v1
    act(channel, CitizenFactory(), "reply", "2026-01-11")  # Conversation
    draft = create_draft()
    draft.kinds.filter(slug="view").update(rung=draft.rungs.get(position=2))
    in_process(lambda: recompute_now())
    in_process(lambda: recompute_now(definition=draft, full=True))
    page = admin_client.get(
        reverse("admin:engagement_engagementdefinition_publish", args=[draft.pk])
    ).content.decode()
    assert f'data-key="{channel.force.slug}"' in page
    assert "in Jan 2026" in page
    assert "50.0% (1 of 2)" in page and "100.0% (2 of 2)" in page and "+50.0 pts" in page


def test_a_draft_whose_preview_was_computed_is_discarded_with_its_preview(admin_client, in_process):
    act(ChannelFactory(), CitizenFactory(), "view", "2026-01-10")
    draft = create_draft()
    in_process(lambda: recompute_now(definition=draft, full=True))
    assert DistributionSnapshot.objects.filter(definition=draft).exists()
    delete = reverse("admin:engagement_engagementdefinition_delete", args=[draft.pk])
    assert "1 impact preview run(s) with their figures" in admin_client.get(delete).content.decode()
    response = admin_client.post(delete, {"post": "yes"})
    assert response.status_code == 302
    assert not EngagementDefinition.objects.filter(pk=draft.pk).exists()
    assert not RecomputeRun.objects.filter(definition_id=draft.pk).exists()
    assert not DistributionSnapshot.objects.filter(definition_id=draft.pk).exists()
    assert not Distribution.objects.filter(snapshot__definition_id=draft.pk).exists()


def test_the_list_offers_discarding_drafts_and_refuses_a_published_version(admin_client):
    draft = create_draft()
    changelist = reverse("admin:engagement_engagementdefinition_changelist")
    assert 'value="delete_selected"' in admin_client.get(changelist).content.decode()
    response = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [draft.pk, current_definition().pk]},
    )
    assert "only a draft can be discarded" in response.content.decode()
    assert EngagementDefinition.objects.filter(pk=draft.pk).exists()
    admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [draft.pk], "post": "yes"}
    )
    assert not EngagementDefinition.objects.filter(pk=draft.pk).exists()


def test_the_publish_button_is_shown_only_to_those_who_may_publish(client):
    draft = create_draft()
    url = reverse("admin:engagement_engagementdefinition_change", args=[draft.pk])
    client.force_login(UserFactory(password=None, is_staff=True, roles=["Force data managers"]))
    assert "Publish this draft" not in client.get(url).content.decode()
    client.force_login(UserFactory(password=None, is_staff=True, roles=["Definition admins"]))
    assert "Publish this draft" in client.get(url).content.decode()


def test_a_drafts_changes_are_kept_with_who_made_them(admin_client):
    draft = create_draft()
    url = reverse("admin:engagement_engagementdefinition_change", args=[draft.pk])
    data = _form_data(admin_client.get(url))
    data["rungs-3-name"] = "Taking part"
    assert admin_client.post(url, data).status_code == 302
    change = draft.rungs.get(position=3).history.first()
    assert (change.name, change.history_user.is_staff) == ("Taking part", True)
    history = reverse("admin:engagement_engagementdefinition_history", args=[draft.pk])
    assert admin_client.get(history).status_code == 200
