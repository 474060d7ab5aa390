"""Stop early, with a readable message, when the test suite's services are not reachable.

Run by `make test` before pytest: a missing PostgreSQL or Redis then reads as an instruction
instead of hundreds of connection tracebacks.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'
)


def check_postgres(url: str) -> str | None:
    import psycopg

    parsed = urlparse(url)
    try:
        with psycopg.connect(
            host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432, user=parsed.username or "postgres",
            password=parsed.password, dbname="postgres", connect_timeout=3,
        ) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return (
            f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port or 5432} ({exc}).\n"
            f"  Start it, e.g.: {START_POSTGRES}\n  or point DATABASE_URL at a running server."
        )
    return None


def check_redis(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:
        parsed = urlparse(url)
        return (
            f"Redis is not reachable at {parsed.hostname}:{parsed.port or 6379} ({exc}).\n"
            f"  Start it, e.g.: {START_REDIS}\n  or point CELERY_BROKER_URL at a running server."
        )
    return None


def main() -> int:
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        problems.append(check_postgres(database_url))
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if broker_url.startswith("redis"):
        problems.append(check_redis(broker_url))
    problems = [p for p in problems if p]
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
