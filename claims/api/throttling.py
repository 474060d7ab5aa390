"""Request rates per token (or session user) and per address for unauthenticated callers.

Counted in fixed windows: the rate's period is cut into windows (a minute for `n/min`) and each
caller's requests in the current window are one counter in the cache. With Redis that is one round
trip per request (INCR and EXPIRE in a pipeline); DRF's own SimpleRateThrottle instead reads and
writes back a pickled list of every request's time. The price is at a window's edge: a caller
may spend the end of one window's budget and the whole of the next one's back to back. A refused
caller is told to come back when its window ends (`Retry-After`).

Rates are read from settings on every request, not frozen at import as DRF's own classes do,
so that `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` (from the environment) and test overrides
both take effect.
"""

from __future__ import annotations

import time

from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from claims.api.redis_client import raw_redis


class _FixedWindowThrottle(SimpleRateThrottle):
    cache_format = "throttle_%(scope)s_%(ident)s"

    def __init__(self) -> None:
        # The rate is read per request (allow_request), not here as SimpleRateThrottle does.
        self.cache = caches["default"]
        self.wait_seconds: float | None = None

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view) -> bool:
        rate = self.get_rate()
        if rate is None:
            return True
        limit, duration = self.parse_rate(rate)
        ident_key = self.get_cache_key(request, view)
        if ident_key is None:
            return True
        now = time.time()
        window = int(now // duration)
        key = f"{ident_key}_{duration}_{window}"
        count = self._count(key, duration)
        if count <= limit:
            return True
        self.wait_seconds = max((window + 1) * duration - now, 1.0)
        return False

    def _count(self, key: str, duration: int) -> int:
        """This window's count with the current request included."""
        client = raw_redis(self.cache)
        if client is not None:
            pipe = client.pipeline(transaction=False)
            full_key = self.cache.make_and_validate_key(key)
            pipe.incr(full_key)
            # A window's counter is never read after its window: let it go soon after.
            pipe.expire(full_key, duration + 1)
            return int(pipe.execute()[0])
        # Other caches (per-process memory in development): add-then-incr, atomic in each backend.
        self.cache.add(key, 0, timeout=duration + 1)
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between the two calls
            self.cache.add(key, 1, timeout=duration + 1)
            return 1

    def wait(self) -> float | None:
        return self.wait_seconds


class TokenRateThrottle(_FixedWindowThrottle):
    """Each token has its own budget, so one busy integration does not starve a user's others."""

    scope = "user"

    def get_cache_key(self, request: Request, view) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        ident = f"token-{request.auth.pk}" if isinstance(request.auth, ApiToken) else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(_FixedWindowThrottle):
    """Counts unauthenticated requests, failed token guesses included, by client address."""

    scope = "anon"

    def get_cache_key(self, request: Request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
