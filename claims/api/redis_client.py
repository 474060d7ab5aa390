"""The redis-py client under a Django Redis cache, for the API's per-request work (throttle
counters, the response cache) that needs Redis commands Django's cache API lacks (a pipeline) or
costs more through it.

Django's RedisCache builds a new `redis.Redis` for every call (a few hundred Python operations
before any byte is sent); the one kept here on the cache object is built once per cache instance
and shares that instance's connection pool, which redis-py itself renews after a fork.
"""

from __future__ import annotations

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache

_ATTRIBUTE = "_factcheck_raw_client"


def raw_redis(store: BaseCache):
    """The redis.Redis behind `store` (write side), or None when it is not a Redis cache. Keys
    given to it must go through `store.make_and_validate_key` to match the cache's own."""
    if not isinstance(store, RedisCache):
        return None
    client = store.__dict__.get(_ATTRIBUTE)
    if client is None:
        client = store._cache.get_client(write=True)
        store.__dict__[_ATTRIBUTE] = client
    return client
