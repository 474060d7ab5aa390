"""Idempotency-Key for POST: a retried create replays the first answer instead of writing again.

The key is claimed in its own row before the write, so two copies of one request sent at once
cannot both create; the same key with a different body is a client bug and gets 422.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from accounts.models import IdempotencyRecord
from claims.api.exceptions import Conflict, Unprocessable, api_error

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
REPLAYED_HEADER = "Idempotent-Replayed"
_KEPT_HEADERS = ("ETag", "Location")


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=JSONEncoder, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _ttl() -> dt.timedelta:
    return dt.timedelta(seconds=settings.API_IDEMPOTENCY_TTL_SECONDS)


def idempotent_create(request: Request, create: Callable[[], Response]) -> Response:
    """Run `create` once per (user, Idempotency-Key); without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return create()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError({HEADER: [f"Send 1 to {MAX_KEY_LENGTH} characters, e.g. a UUID."]})
    fingerprint = request_fingerprint(request)
    IdempotencyRecord.objects.filter(user=request.user, key=key, created_at__lt=timezone.now() - _ttl()).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=request.user, key=key, request_hash=fingerprint)
    except IntegrityError:
        return _replay(request, key, fingerprint)
    try:
        response = create()
    except BaseException:
        # A failed attempt leaves nothing behind, so the client may retry with the same key.
        record.delete()
        raise
    if response.status_code >= 300:
        record.delete()
        return response
    record.status_code = response.status_code
    # Stored as the client saw it: DRF's encoder turns Decimals and dates into JSON values.
    record.response_body = json.loads(json.dumps(response.data, cls=JSONEncoder))
    record.response_headers = {name: response[name] for name in _KEPT_HEADERS if response.has_header(name)}
    record.save(update_fields=["status_code", "response_body", "response_headers"])
    return response


def _replay(request: Request, key: str, fingerprint: str) -> Response:
    record = IdempotencyRecord.objects.filter(user=request.user, key=key).first()
    if record is None:
        raise api_error(Conflict, "This key was released while you sent it; send the request again.", HEADER)
    if record.request_hash != fingerprint:
        raise api_error(Unprocessable, "This key was already used for a different request; use a new key.", HEADER)
    if record.status_code is None:
        raise api_error(Conflict, "The first request with this key is still being handled; retry shortly.", HEADER)
    response = Response(record.response_body, status=record.status_code, headers=record.response_headers)
    response[REPLAYED_HEADER] = "true"
    return response
