"""A record's change history (django-simple-history) as the API shows it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from claims.bundle.exporter import number

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _tracked_fields(history_model) -> list[models.Field]:
    return [
        field for field in history_model._meta.concrete_fields
        if not field.name.startswith("history_")
    ]


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return number(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _label_field(model) -> str:
    """Records are addressed by key in the API, users by username, other rows by id."""
    if model is get_user_model():
        return model.USERNAME_FIELD
    return "key" if any(field.name == "key" for field in model._meta.concrete_fields) else "pk"


def _labels(rows: Sequence[Any], field: models.Field) -> dict[Any, Any]:
    """Labels of the records one relation of a page of history rows points to, in one query.
    History keeps ids of records that may since have been deleted: those stay ids."""
    ids = {getattr(row, field.attname) for row in rows} - {None}
    if not ids:
        return {}
    model = field.related_model
    label = _label_field(model)
    if label == "pk":
        return {pk: pk for pk in ids}
    return dict(model._base_manager.filter(pk__in=ids).values_list("pk", label))


def history_entries(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Each history row as the record's own fields after that change, who made it and when."""
    if not rows:
        return []
    history_model = type(rows[0])
    fields = _tracked_fields(history_model)
    relations = {field.name: _labels(rows, field) for field in fields if field.is_relation}
    users = _labels(rows, history_model._meta.get_field("history_user"))
    entries = []
    for row in rows:
        values: dict[str, Any] = {}
        for field in fields:
            raw = getattr(row, field.attname)
            if field.is_relation:
                values[field.name] = None if raw is None else relations[field.name].get(raw, raw)
            else:
                values[field.name] = _json_value(raw)
        entries.append({
            "history_id": row.history_id,
            "history_date": row.history_date,
            "history_type": HISTORY_TYPES.get(row.history_type, row.history_type),
            "history_user": users.get(row.history_user_id),
            "history_change_reason": row.history_change_reason,
            "fields": values,
        })
    return entries
