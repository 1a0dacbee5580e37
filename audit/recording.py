"""Writing the audit log. Who acted comes from the request being served (the request
django-simple-history's middleware already keeps for the row histories), or is given."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save
from simple_history.models import HistoricalRecords

from audit.models import AuditEntry

Action = AuditEntry.Action
_M2M_ACTIONS = {"post_add": Action.ADDED, "post_remove": Action.REMOVED}


def current_actor() -> AbstractBaseUser | None:
    """The signed-in user of the request being served, if any (None in a command)."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record(
    *,
    action: str,
    subject: models.Model | None = None,
    relation: str = "",
    changes: dict[str, Any] | None = None,
    actor: AbstractBaseUser | None = None,
    actor_name: str = "",
) -> AuditEntry:
    """Add one entry. `subject` is named as it is now; never pass a secret or a citizen."""
    actor = actor if actor is not None and actor.is_authenticated else current_actor()
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username() if actor is not None else actor_name,
        action=action,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=str(subject.pk) if subject is not None else "",
        subject=str(subject)[:200] if subject is not None else "",
        relation=relation,
        changes=changes or {},
    )


def relation_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """m2m_changed: who was added to or removed from what (a user's groups, for one).

    Migrations change relations through their historical models, whose signals are ignored: the
    log may not exist yet, and no one acts there.
    """
    if sender._meta.apps is not global_apps:
        return
    if action == "pre_clear":
        # What a clear removes is only known before it.
        field = _field_name(instance, model)
        instance._audit_cleared = [str(o) for o in getattr(instance, field).all()]
        return
    if action == "post_clear":
        removed = getattr(instance, "_audit_cleared", [])
        if removed:
            record(
                action=Action.CLEARED,
                subject=instance,
                relation=_field_name(instance, model),
                changes={"removed": removed},
            )
        return
    if action not in _M2M_ACTIONS or not pk_set:
        return
    names = sorted(str(o) for o in model._default_manager.filter(pk__in=pk_set))
    key = "added" if action == "post_add" else "removed"
    record(
        action=_M2M_ACTIONS[action],
        subject=instance,
        relation=_field_name(instance, model),
        changes={key: names},
    )


def _field_name(instance: models.Model, model: type[models.Model]) -> str:
    """The name of the relation on `instance` that points at `model` (e.g. "groups")."""
    for field in instance._meta.get_fields():
        if field.many_to_many and field.related_model is model:
            return field.get_accessor_name() if field.auto_created else field.name
    return model._meta.verbose_name_plural


def token_saved(sender, instance, created: bool, **kwargs) -> None:
    if created:
        # The user the token acts for, never the token (its str() is the key itself).
        record(action=Action.TOKEN_ISSUED, subject=instance.user)


def token_deleted(sender, instance, **kwargs) -> None:
    record(action=Action.TOKEN_REVOKED, subject=instance.user)


def connect_tokens() -> None:
    """Record DRF's API tokens being issued and revoked, when the project uses them."""
    if not global_apps.is_installed("rest_framework.authtoken"):
        return
    token = global_apps.get_model("authtoken", "Token")
    post_save.connect(token_saved, sender=token, dispatch_uid="audit-token-issued")
    post_delete.connect(token_deleted, sender=token, dispatch_uid="audit-token-revoked")
