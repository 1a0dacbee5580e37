"""The audit log: changes to who may do what, API tokens, erasures, and
links between identifiers recorded or withdrawn (never the identifiers).

Changes to the project's own records (definitions, forces, channels) are kept as their history by
django-simple-history, row by row. This log holds what has no row of its own to keep a history
of: a many-to-many relation changing (a user's groups, a group's permissions, and any relation
added later, such as the forces a user manages), an API token issued or revoked, and an erasure.
An entry never holds a secret (a token's key) nor anything about an erased person.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


def actor_field(**options) -> models.ForeignKey:
    """The user who did something: empty for a command, and emptied (the record kept) when the
    user is deleted. No reverse accessor on the user."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        **options,
    )


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        ADDED = "added", "Added to a relation"
        REMOVED = "removed", "Removed from a relation"
        CLEARED = "cleared", "Relation cleared"
        TOKEN_ISSUED = "token_issued", "API token issued"
        TOKEN_REVOKED = "token_revoked", "API token revoked"
        ERASURE = "erasure", "A citizen's interactions erased"
        LINKED = "linked", "Two identifiers linked (with consent)"
        UNLINKED = "unlinked", "A link withdrawn"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = actor_field(help_text="Who made the change; empty for a command or a migration.")
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="The actor's username, kept if the user goes."
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_id = models.CharField(max_length=64, blank=True)
    subject = models.CharField(
        max_length=200, blank=True, help_text="What changed, as it was named then."
    )
    relation = models.CharField(max_length=100, blank=True, help_text="e.g. groups")
    changes = models.JSONField(
        default=dict, blank=True, help_text="What was added or removed, or what an erasure did."
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'}: {self.get_action_display()}"
        )
