"""Citizens are pseudonyms: the rule in LADDER.md, in one place.

An identifier is normalised (trim white space, drop one leading "@", Unicode casefold) so that the
forms a platform shows for one account are one citizen, then replaced by
HMAC-SHA256(PSEUDONYM_KEY, platform + ":" + normalised). The platform is part of the message, so
one handle on two platforms is two citizens; the force is not, so one handle on one platform is
one citizen in every force. Nothing here logs or returns the identifier itself.
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


def pseudonymise(platform: str, identifier: str) -> str:
    """The citizen's pseudonym (64 hex characters) for an identifier on a platform."""
    return Pseudonymiser()(platform, identifier)


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
        self._seen: dict[tuple[str, str], str] = {}

    def __call__(self, platform: str, identifier: str) -> str:
        pseudonym = self._seen.get((platform, identifier))
        if pseudonym is None:
            digest = self._keyed.copy()
            digest.update(f"{platform}:{normalise(identifier)}".encode())
            pseudonym = digest.hexdigest()
            if len(self._seen) >= self._remember:
                self._seen.clear()
            self._seen[(platform, identifier)] = pseudonym
        return pseudonym
