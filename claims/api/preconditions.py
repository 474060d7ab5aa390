"""Optimistic concurrency over HTTP: `ETag: "<version>"` out, `If-Match` in.

A client that read version 3 sends `If-Match: "3"` (or `3`, or a weak `W/"3"`) with its update;
if the record is no longer at version 3 the update is refused with 412 and nothing changes.
"""

from __future__ import annotations

import re

from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(request: Request) -> int | None:
    """The version the client says it edited: from If-Match, else from a `version` in the body
    (a record read and sent back whole carries it). None means "whatever is stored"."""
    header = request.headers.get("If-Match")
    if header is not None and header.strip() != "*":
        tags = [part for part in header.split(",") if part.strip()]
        match = _TAG.match(tags[0]) if len(tags) == 1 else None
        if match is None:
            raise ValidationError({"If-Match": ['Send the version you read, as the ETag gave it: "3".']})
        return int(match.group(1))
    body_version = request.data.get("version") if isinstance(request.data, dict) else None
    if body_version is None:
        return None
    if isinstance(body_version, bool) or not isinstance(body_version, int) or not 0 < body_version < 2**31:
        raise ValidationError({"version": ["The version is a positive whole number, as read from the record."]})
    return body_version
