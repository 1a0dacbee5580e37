"""Erasing a citizen: a person's right to have their interactions removed.

The person is found as an import finds them, through the pseudonym rule
(engagement.ingest.pseudonyms): the identifier as given is never stored, logged or compared.
Their interactions, their citizen row, the rollup rows derived from them and their links (in
every force: a link is about them) go in one transaction; the person table of each force that
linked them is rebuilt (engagement.ingest.links.relink: the people they joined fall apart and
their months are marked stale too); the months they touched are marked stale, so the next
recompute counts again without them (a lasting state carries a change forward from its month,
and the recompute starts a force over from its earliest stale month). The audit log records
that an erasure happened, when and by whom, never about whom.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.recording import record
from engagement.ingest.links import forces_linking, relink
from engagement.ingest.pseudonyms import normalise, pseudonymise
from engagement.models import Citizen, Interaction, Link, StaleCitizen, StaleMonth
from forces.choices import Platform


class ErasureRefused(ValueError):
    """The request cannot name anyone (unknown platform, empty identifier)."""


@dataclass(frozen=True)
class Erasure:
    interactions: int  # interactions deleted
    months: int  # force-months marked stale
    links: int = 0  # links deleted

    def summary(self) -> str:
        if not self.interactions and not self.links:
            return "No interactions are held for that identifier; nothing was deleted."
        links = f"{self.links} link(s) deleted; " if self.links else ""
        return (
            f"{self.interactions} interaction(s) deleted; {links}{self.months} force-month(s) "
            "will be recounted by the next recompute."
        )


@transaction.atomic
def erase_citizen(
    *,
    platform: str,
    identifier: str,
    user: AbstractBaseUser | None = None,
    actor_name: str = "",
) -> Erasure:
    """Delete every interaction of the person `identifier` names on `platform`.

    `actor_name` names who asked when there is no user (the command line). An erasure is
    recorded even when nothing was held, so the log shows every request.
    """
    if platform not in Platform.values:
        raise ErasureRefused(f"platform: is not one of {', '.join(Platform.values)}")
    if not normalise(identifier):
        raise ErasureRefused("identifier: is empty")
    citizen = (
        Citizen.objects.select_for_update()
        .filter(pseudonym=pseudonymise(platform, identifier))
        .first()
    )
    interactions = months = links = 0
    if citizen is not None:
        linking = forces_linking(citizen=citizen)
        held = Interaction.objects.filter(citizen=citizen)
        now = timezone.now()
        touched = [
            StaleMonth(force_id=force_id, local_month=month, marked_at=now)
            for force_id, month in held.values_list("force_id", "local_month").distinct()
        ]
        StaleMonth.objects.bulk_create(
            touched,
            update_conflicts=True,
            unique_fields=["force", "local_month"],
            update_fields=["marked_at"],
        )
        for force_id in {mark.force_id for mark in touched}:
            StaleCitizen.objects.mark_recount(
                force_id=force_id,
                months=[mark.local_month for mark in touched if mark.force_id == force_id],
            )
        interactions, _ = held.delete()
        months = len(touched)
        # Its rollup rows (every definition's), its links and its person rows go with it.
        _, deleted = citizen.delete()
        links = deleted.get(Link._meta.label, 0)
        months += relink(force_ids=linking)
    record(
        action=AuditEntry.Action.ERASURE,
        changes={
            "interactions deleted": interactions,
            "links deleted": links,
            "force-months marked stale": months,
        },
        actor=user,
        actor_name=actor_name,
    )
    return Erasure(interactions=interactions, months=months, links=links)
