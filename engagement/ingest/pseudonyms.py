"""Citizens are pseudonyms: the rule in LADDER.md, in one place.

An identifier is normalised (trim white space, drop one leading "@", Unicode casefold) so that the
forms a platform shows for one account are one citizen, then replaced by
HMAC-SHA256(PSEUDONYM_KEY, platform + ":" + normalised). The platform is part of the message, so
one handle on two platforms is two citizens; the force is not, so one handle on one platform is
one citizen in every force. Nothing here logs or returns the identifier itself.

A pseudonym is the 32 bytes of the digest, stored as they are (bytea): half the room of its 64 hex
characters, in the citizens' table and in its unique index. `as_text` is its hex form, for the
rare place that needs text (the import's staging CSV); pages and exports never show either.
"""

import hashlib
import hmac

from django.conf import settings


def normalise(identifier: str) -> str:
    """The form two spellings of one account share: `@JaneDoe`, ` janedoe ` and `JANEDOE`."""
    value = identifier.strip()
    if value.startswith("@"):
        value = value[1:]
    return value.casefold()


def pseudonymise(platform: str, identifier: str) -> bytes:
    """The citizen's pseudonym (32 bytes) for an identifier on a platform."""
    return Pseudonymiser()(platform, identifier)


def as_text(pseudonym: bytes | memoryview) -> str:
    """The pseudonym as 64 hex characters (the form PostgreSQL's COPY reads as bytea is this with
    a leading `\\x`)."""
    return bytes(pseudonym).hex()


class Pseudonymiser:
    """Pseudonyms under one key, for one import.

    The key is set up once, and the last `remember` identifiers are remembered because an import
    sees the same citizens again and again. It lives only as long as the import: raw identifiers
    are not kept in memory beyond it.
    """

    def __init__(self, key: str | None = None, remember: int = 100_000):
        secret = settings.PSEUDONYM_KEY if key is None else key
        self._keyed = hmac.new(secret.encode(), digestmod=hashlib.sha256)
        self._remember = remember
        self._seen: dict[tuple[str, str], bytes] = {}

    def __call__(self, platform: str, identifier: str) -> bytes:
        pseudonym = self._seen.get((platform, identifier))
        if pseudonym is None:
            digest = self._keyed.copy()
            digest.update(f"{platform}:{normalise(identifier)}".encode())
            pseudonym = digest.digest()
            if len(self._seen) >= self._remember:
                self._seen.clear()
            self._seen[(platform, identifier)] = pseudonym
        return pseudonym
