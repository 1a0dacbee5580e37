"""The Redis cache, made optional: when Redis is unreachable the pages read the database.

Django's RedisCache raises on every call when Redis is down, which turned the overview, force
and compare pages into 500s. Here a Redis error is a cache miss (reads answer the default,
writes are dropped), logged once per outage rather than once per call, and for
OUTAGE_PAUSE_SECONDS after a failure the cache does not even try, so a page with many cached
reads pays the connect timeout (settings.REDIS_TIMEOUT_SECONDS) at most once. The figures are
cached only to spare the database; they are always correct without the cache.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

OUTAGE_PAUSE_SECONDS = 15.0
T = TypeVar("T")


@dataclass
class Outage:
    """Until when to stop trying, and whether the outage was logged (one per Redis location)."""

    pause_until: float = 0.0
    logged: bool = False


_OUTAGES: dict[str, Outage] = {}


class ResilientRedisCache(RedisCache):
    """RedisCache whose failures are misses (see the module docstring)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # Django makes one cache object per thread: the outage is shared by all of them.
        self._outage = _OUTAGES.setdefault(server, Outage())

    def _guarded(self, call: Callable[[], T], default: T) -> T:
        outage = self._outage
        if time.monotonic() < outage.pause_until:
            return default
        try:
            result = call()
        except (RedisError, OSError) as error:
            outage.pause_until = time.monotonic() + OUTAGE_PAUSE_SECONDS
            if not outage.logged:
                outage.logged = True
                logger.warning(
                    "The Redis cache is unreachable (%s): pages are served from the database "
                    "until it is back.",
                    error,
                )
            return default
        if outage.logged:
            outage.logged = False
            logger.info("The Redis cache is reachable again.")
        return result

    # Reads answer what a miss answers; writes answer what a refused write answers.
    def get(self, key, default=None, version=None):
        return self._guarded(
            lambda: super(ResilientRedisCache, self).get(key, default, version), default
        )

    def get_many(self, keys, version=None):
        return self._guarded(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guarded(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def add(self, *args, **kwargs):
        return self._guarded(lambda: super(ResilientRedisCache, self).add(*args, **kwargs), False)

    def set(self, *args, **kwargs):
        return self._guarded(lambda: super(ResilientRedisCache, self).set(*args, **kwargs), None)

    def set_many(self, data, *args, **kwargs):
        keys = list(data)
        return self._guarded(
            lambda: super(ResilientRedisCache, self).set_many(data, *args, **kwargs), keys
        )

    def touch(self, *args, **kwargs):
        return self._guarded(lambda: super(ResilientRedisCache, self).touch(*args, **kwargs), False)

    def delete(self, *args, **kwargs):
        return self._guarded(
            lambda: super(ResilientRedisCache, self).delete(*args, **kwargs), False
        )

    def delete_many(self, *args, **kwargs):
        return self._guarded(
            lambda: super(ResilientRedisCache, self).delete_many(*args, **kwargs), None
        )

    def clear(self):
        return self._guarded(lambda: super(ResilientRedisCache, self).clear(), False)
