"""A cache of rendered API reads (the claim list and a claim's detail), correct without any
invalidation code in the write paths.

Every entry is keyed on a *data generation*: PostgreSQL's WAL insert position, read before the
page is computed. Every change to a logged table appends to the WAL, so a write of any kind (the
API, the admin, services, a COPY import, a set-based flag update, psql by hand) moves the position,
and the next read looks under a new key and misses. Reading it first means that a page is never
stored under a position older than the data it was built from would imply: the page reflects at
least that position, and a read that finds the same position began after no further change.

`pg_current_wal_insert_lsn()` rather than `pg_current_wal_lsn()` (the write position): with
`synchronous_commit = off` a commit is visible before its WAL is written out, so the write position
could lag a change that readers already see. On a hot standby neither exists; the replay position
(`pg_last_wal_replay_lsn()`) plays the same part there, marked apart from a primary's.

The position is cluster-wide: a write in another database of the same server also turns the
cache over. That costs hits, never correctness. The key also names the database (host, port,
name), because two databases of one cluster share positions.

What else varies a response goes into the key: the absolute URL (scheme, host, path, query string
exactly as sent: the page's `next`/`previous` links are built from it), the negotiated media type,
and the caller's permissions (a role's view of the data; today every reading role sees the same
records, but a role that sees less must never be served another's entry). Authentication,
permissions and throttling run before this, on every request, hit or miss.

Never used: on SQLite (no WAL position; API_RESPONSE_CACHE is off there), inside a transaction
(the page could hold this connection's uncommitted rows, which other callers must not see), for
renderers other than JSON (the browsable API), and for answers other than 200.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse, HttpResponseBase
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from claims.api.redis_client import raw_redis

logger = logging.getLogger(__name__)

CACHE_ALIAS = "api_responses"
# Bump when the shape of what is stored (or of the records) changes, so old entries are ignored.
FORMAT = "2"
HIT_HEADER = "X-Cache"
# The headers of a rendered answer that belong to the record and so must come back on a hit.
KEPT_HEADERS = ("Content-Type", "ETag")

GENERATION_SQL = (
    "SELECT CASE WHEN pg_is_in_recovery() THEN 'r' || pg_last_wal_replay_lsn()::text "
    "ELSE 'p' || pg_current_wal_insert_lsn()::text END"
)


def cache_enabled() -> bool:
    return bool(getattr(settings, "API_RESPONSE_CACHE", False)) and connection.vendor == "postgresql"


def data_generation() -> str | None:
    """The WAL position this connection's next query will see data at least as new as, or None
    when it cannot be used (no position, or an open transaction on this connection)."""
    if connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute(GENERATION_SQL)
        row = cursor.fetchone()
    return row[0] if row and row[0] else None


def _visibility(request: Request) -> str:
    """What the caller may see, as the set of its permissions (roles are groups of permissions);
    has_perm has already loaded and memoised them on the user for this request."""
    user = request.user
    return ",".join(sorted(user.get_all_permissions())) + f"|su={int(user.is_superuser)}"


def cache_key(request: Request, generation: str) -> str:
    db = connection.settings_dict
    parts = (
        FORMAT,
        generation,
        f"{db.get('HOST')}:{db.get('PORT')}/{db.get('NAME')}",
        str(request.accepted_media_type),
        _visibility(request),
        request.build_absolute_uri(),
    )
    return "read:" + hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def _cacheable_request(request: Request) -> bool:
    return request.method == "GET" and isinstance(getattr(request, "accepted_renderer", None), JSONRenderer)


def _pack(headers: list[tuple[str, str]], content: bytes) -> bytes:
    """An entry as plain bytes: the kept headers as one JSON line, then the body. A hit then costs
    one Redis GET and a split, not unpickling."""
    return json.dumps(headers, separators=(",", ":")).encode("utf-8") + b"\n" + content


def _unpack(entry: bytes) -> tuple[list[tuple[str, str]], bytes]:
    head, _, content = entry.partition(b"\n")
    return json.loads(head), content


def _get(store, key: str) -> bytes | None:
    client = raw_redis(store)
    if client is None:
        return store.get(key)
    return client.get(store.make_and_validate_key(key))


def _set(store, key: str, entry: bytes) -> None:
    timeout = settings.API_RESPONSE_CACHE_SECONDS
    client = raw_redis(store)
    if client is None:
        store.set(key, entry, timeout=timeout)
    else:
        client.set(store.make_and_validate_key(key), entry, ex=timeout)


def cached_read(request: Request, view, build: Callable[[], Response]) -> HttpResponseBase:
    """`build()`'s answer, served from the cache when the data has not changed since it was
    stored for the same caller view and URL."""
    if not (cache_enabled() and _cacheable_request(request)):
        return build()
    generation = data_generation()
    if generation is None:
        return build()
    key = cache_key(request, generation)
    store = caches[CACHE_ALIAS]
    try:
        stored = _get(store, key)
    except Exception:  # a cache outage must slow reads down, not fail them
        logger.warning("API response cache unavailable", exc_info=True)
        return build()
    if stored is not None:
        headers, content = _unpack(stored)
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        response[HIT_HEADER] = "hit"
        return response
    response = build()
    if isinstance(response, Response) and response.status_code == 200:
        # Rendered here, as DRF would after the view, so that the stored bytes are the answer's.
        response.accepted_renderer = request.accepted_renderer
        response.accepted_media_type = request.accepted_media_type
        response.renderer_context = view.get_renderer_context()
        response.render()
        headers = [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)]
        try:
            _set(store, key, _pack(headers, response.content))
        except Exception:
            logger.warning("API response cache unavailable", exc_info=True)
        response[HIT_HEADER] = "miss"
    return response
