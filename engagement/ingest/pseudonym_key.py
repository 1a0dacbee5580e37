"""The pseudonym key's fingerprint: refusing to import (or restore) under another key.

Citizens are HMACs of their identifiers under PSEUDONYM_KEY (engagement.ingest.pseudonyms). The
key is configuration, not data, so a database restored or moved to a server with another key
would turn every returning citizen into a new one and every figure would double-count them. The
database therefore keeps a fingerprint of its key: HMAC-SHA256(key, a fixed label), which names
the key without giving it (or any pseudonym) away. The first migrate or import records it; every
import, and every restore, compares it with the configured key's and refuses on a difference.
"""

from __future__ import annotations

import hashlib
import hmac

from django.apps import apps as global_apps
from django.conf import settings
from django.db import IntegrityError, transaction

from engagement.models import PseudonymKeyFingerprint

LABEL = b"ladder: the fingerprint of the pseudonym key, v1"
SHOWN = 12  # characters of a fingerprint shown in messages: enough to tell two keys apart


class WrongPseudonymKey(Exception):
    """The configured PSEUDONYM_KEY is not the key the database's citizens were made with."""

    def __init__(self, *, held: str, configured: str, refused: str):
        self.held = held
        self.configured = configured
        super().__init__(
            f"PSEUDONYM_KEY is not the key this database was made with (its fingerprint is "
            f"{held[:SHOWN]}, the configured key's is {configured[:SHOWN]}): under another key "
            f"every returning citizen would be counted as new, so {refused}. Set PSEUDONYM_KEY "
            "to the key the database was made with."
        )


def fingerprint(key: str | None = None) -> str:
    """The fingerprint of `key` (the configured PSEUDONYM_KEY by default): 64 hex characters."""
    secret = settings.PSEUDONYM_KEY if key is None else key
    return hmac.new(secret.encode(), LABEL, hashlib.sha256).hexdigest()


def held_fingerprint() -> str | None:
    """The fingerprint the database holds, None before the first migrate or import."""
    return (
        PseudonymKeyFingerprint.objects.filter(pk=PseudonymKeyFingerprint.SINGLE)
        .values_list("fingerprint", flat=True)
        .first()
    )


def check_fingerprint(held: str | None, *, refused: str) -> None:
    """Raise WrongPseudonymKey when `held` (None: nothing held yet) is not the configured key's."""
    configured = fingerprint()
    if held is not None and not hmac.compare_digest(held, configured):
        raise WrongPseudonymKey(held=held, configured=configured, refused=refused)


def ensure_pseudonym_key(*, refused: str = "nothing was imported") -> None:
    """Record the configured key's fingerprint if none is held, or check it against the held one.

    Raises WrongPseudonymKey on a difference, before anything is written.
    """
    held = held_fingerprint()
    if held is None:
        try:
            with transaction.atomic():
                PseudonymKeyFingerprint.objects.create(fingerprint=fingerprint())
            return
        except IntegrityError:  # another import recorded one first: check against it
            held = held_fingerprint()
    check_fingerprint(held, refused=refused)


def record_after_migrate(sender, *, using: str, apps=None, **kwargs) -> None:
    """post_migrate: the database holds the configured key's fingerprint if it held none yet
    (a database migrated back to before the table existed is left alone). `migrate` sends the
    migrated state's apps; a signal sent without them (emit_post_migrate_signal) means the
    models as they are."""
    apps = apps or global_apps
    try:
        model = apps.get_model("engagement", "PseudonymKeyFingerprint")
    except LookupError:
        return
    model.objects.using(using).get_or_create(
        pk=PseudonymKeyFingerprint.SINGLE, defaults={"fingerprint": fingerprint()}
    )
