"""Citizens are pseudonyms: the rule in LADDER.md, in one place.

An identifier is normalised (trim white space, drop one leading "@", Unicode casefold) so that the
forms a platform shows for one account are one citizen, then replaced by
HMAC-SHA256(PSEUDONYM_KEY, platform + ":" + normalised). The platform is part of the message, so
one handle on two platforms is two citizens; the force is not, so one handle on one platform is
one citizen in every force. Nothing here logs or returns the identifier itself.
"""

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings


def normalise(identifier: str) -> str:
    """The form two spellings of one account share: `@JaneDoe`, ` janedoe ` and `JANEDOE`."""
    value = identifier.strip()
    if value.startswith("@"):
        value = value[1:]
    return value.casefold()


def pseudonymise(platform: str, identifier: str, *, key: str | None = None) -> str:
    """The citizen's pseudonym (64 hex characters) for an identifier on a platform.

    `key` defaults to settings.PSEUDONYM_KEY; an import passes it once rather than per row.
    """
    return _pseudonym(settings.PSEUDONYM_KEY if key is None else key, platform, identifier)


@lru_cache(maxsize=65536)
def _pseudonym(key: str, platform: str, identifier: str) -> str:
    # Cached because imports see the same few citizens many times; the key is part of the cache
    # key so a changed setting never serves an old pseudonym.
    message = f"{platform}:{normalise(identifier)}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
