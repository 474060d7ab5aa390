"""Naming the user in history rows written outside a request (CLI, Celery, services)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from simple_history.models import HistoricalRecords


@contextmanager
def acting_user(user: Any) -> Iterator[None]:
    """While active, rows that simple_history records from signals (deletes that cascade, saves
    that cannot take `_history_user`) name `user`. A real request, when there is one, already
    names its user and is left in place."""
    context = HistoricalRecords.context
    if user is None or getattr(context, "request", None) is not None:
        yield
        return
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del context.request
