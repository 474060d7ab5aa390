"""Writes of single records, for the REST API and the admin.

A record is the bundle's shape of one source, document, metric or claim, checked by the same
code as a bundle import and written by the same writer, so the two paths cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import ProtectedError

from claims.bundle.errors import BundleError, BundleInvalid, VersionConflict
from claims.bundle.history import acting_user
from claims.bundle.importer import BundleWriter
from claims.bundle.validation import record_validate
from claims.models import Claim, Figure, Metric
from claims.queueing import checks_enqueue
from claims.verdicts import claim_verdict_stamp
from sources.models import Document, Source

_SECTIONS = {"source": "sources", "document": "documents", "metric": "metrics", "claim": "claims"}


def _record_upsert(kind: str, model: type[models.Model], *, record: dict, user: Any, expected_version: int | None):
    errors = record_validate(kind, record)
    if errors:
        raise BundleInvalid(errors)
    key = record["key"]
    with transaction.atomic(), acting_user(user):
        stored = model.objects.select_for_update().filter(key=key).first()
        # Compare and write under the row lock: a concurrent writer waits here and then sees
        # the version this write leaves behind.
        if expected_version is not None:
            actual = stored.version if stored is not None else 0
            if actual != expected_version:
                raise VersionConflict(key=key, expected=expected_version, actual=actual)
        # One record gains nothing from COPY: the ORM path keeps a request's write plain.
        writer = BundleWriter(user=user, fast=False)
        writer.write_section(_SECTIONS[kind], [record])
        writer.finish()
    return model.objects.get(key=key)


def source_upsert(*, record: dict, user: Any = None, expected_version: int | None = None) -> Source:
    return _record_upsert("source", Source, record=record, user=user, expected_version=expected_version)


def document_upsert(*, record: dict, user: Any = None, expected_version: int | None = None) -> Document:
    return _record_upsert("document", Document, record=record, user=user, expected_version=expected_version)


def metric_upsert(*, record: dict, user: Any = None, expected_version: int | None = None) -> Metric:
    return _record_upsert("metric", Metric, record=record, user=user, expected_version=expected_version)


def claim_upsert(*, record: dict, user: Any = None, expected_version: int | None = None) -> Claim:
    """The record is the whole claim: its figures, chains and tags replace the stored ones.
    A change of status is a verdict: it is stamped with its author and time, as in the admin."""
    with transaction.atomic():
        before = Claim.objects.filter(key=record.get("key")).values("status", "verdict_summary").first()
        claim = _record_upsert("claim", Claim, record=record, user=user, expected_version=expected_version)
        previous_status = before["status"] if before else None
        if claim.status != previous_status:
            claim_verdict_stamp(claim=claim, user=user, previous_status=previous_status,
                                previous_summary=claim.verdict_summary)
            # The status change itself is in the history row just written; the stamp follows from it.
            Claim.objects.filter(pk=claim.pk).update(verdict_by=claim.verdict_by, verdict_at=claim.verdict_at)
    return claim


def record_delete(*, model: type[models.Model], key: str, user: Any = None) -> None:
    """Delete by key. Raises model.DoesNotExist for an unknown key, and BundleInvalid when other
    records still point at it (a source cited by a chain cannot vanish from under the chain)."""
    with transaction.atomic(), acting_user(user):
        obj = model.objects.select_for_update().get(key=key)
        metric_ids: list[int] = []
        if isinstance(obj, Claim):
            figures = Figure.objects.filter(claim=obj).order_by()
            metric_ids = list(figures.values_list("metric_id", flat=True).distinct())
        obj._history_user = user
        try:
            obj.delete()
        except ProtectedError as exc:
            users = sorted({str(type(o)._meta.verbose_name_plural) for o in exc.protected_objects})
            raise BundleInvalid([BundleError("key", f"{key!r} is still used by {', '.join(users)}")]) from None
        if metric_ids:
            # The claim's flags went with it; the metric's other figures may now agree again.
            transaction.on_commit(lambda: checks_enqueue(metric_ids=metric_ids))
