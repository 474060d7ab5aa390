"""The /healthz endpoint: is the database answering, is the broker reachable, are workers alive.

The HTTP status follows the database alone (200 up, 503 down) because a web process without its
database can serve nothing, while one without a broker still serves reads and saves (the periodic
sweep catches up on checks once the broker is back). The body says which part is degraded.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from factcheck.celery import app

log = logging.getLogger(__name__)
WORKERS_CACHE_KEY = "healthz:workers"
WORKERS_CACHE_SECONDS = 10


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the same thing to a probe: down
        log.warning("health: database unreachable: %s", exc)
        return "down"
    return "ok"


def broker_state() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in_process"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        log.warning("health: broker unreachable: %s", exc)
        return "down"
    return "ok"


def worker_count() -> int:
    """Workers that answered a ping; cached briefly so that frequent probes stay cheap."""
    cached = cache.get(WORKERS_CACHE_KEY)
    if cached is not None:
        return cached
    try:
        replies = app.control.ping(timeout=0.5) or []
    except Exception as exc:
        log.warning("health: worker ping failed: %s", exc)
        replies = []
    count = len(replies)
    cache.set(WORKERS_CACHE_KEY, count, WORKERS_CACHE_SECONDS)
    return count


def health_report() -> dict:
    database = database_state()
    broker = broker_state()
    if broker == "in_process":
        workers: int | str = "in_process"
    elif broker == "ok":
        workers = worker_count()
    else:
        workers = 0
    if database != "ok":
        status = "down"
    elif broker == "in_process" or (broker == "ok" and workers):
        status = "ok"
    else:
        status = "degraded"
    return {"status": status, "database": database, "broker": broker, "workers": workers}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health_report()
    return JsonResponse(report, status=200 if report["database"] == "ok" else 503)
