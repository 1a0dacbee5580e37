"""The roles are groups kept in step with engagement.roles after every migrate."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured

from engagement.roles import ROLES, ensure_roles, role_permissions

pytestmark = pytest.mark.django_db


def names(group: Group) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_each_role_holds_exactly_its_permissions_after_migrate():
    for name, permissions in ROLES.items():
        assert names(Group.objects.get(name=name)) == set(permissions)


def test_keeping_in_step_takes_away_a_permission_given_by_hand():
    analysts = Group.objects.get(name="Analysts")
    analysts.permissions.add(Permission.objects.get(codename="add_interaction"))
    ensure_roles()
    assert "engagement.add_interaction" not in names(analysts)


def test_analysts_change_nothing():
    changing = {
        p for p in ROLES["Analysts"] if p.split(".")[1].startswith(("add_", "change_", "delete_"))
    }
    assert changing == set()


def test_publishing_and_recomputing_belong_to_definition_admins_only():
    holders = {
        name
        for name, permissions in ROLES.items()
        if {"engagement.publish_definition", "engagement.start_recompute"} & set(permissions)
    }
    assert holders == {"Definition admins"}


def test_a_role_naming_a_permission_that_does_not_exist_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="engagement.fly_to_the_moon"):
        role_permissions(["engagement.read_figures", "engagement.fly_to_the_moon"])
