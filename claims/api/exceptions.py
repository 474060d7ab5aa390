"""One error shape for the whole API: `{"errors": [{"path": ..., "message": ...}]}`.

Domain errors from the services are mapped here so that views never translate them one by one,
and every 4xx names the place (field, header or query parameter) that was wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from claims.bundle.errors import BundleInvalid, VersionConflict

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the stored records."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be processed."
    default_code = "unprocessable"


class RecordInUse(Exception):
    """A delete refused because other records still point at the record (409, not 400: the
    request is fine, the stored data is what stands in the way)."""

    def __init__(self, errors: list) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


def error_body(path: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"errors": [{"path": path, "message": message}], **extra}


def flatten_detail(detail: Any, path: str = "") -> list[dict[str, str]]:
    """DRF's nested error details as a flat list with bundle-style paths (`figures[0].value`)."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for name, sub in detail.items():
            nested = f"{path}.{name}" if path else str(name)
            child = path if name in ("non_field_errors", "detail") else nested
            out.extend(flatten_detail(sub, child))
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return [{"path": path, "message": str(item)} for item in detail]
        out = []
        for index, sub in enumerate(detail):
            out.extend(flatten_detail(sub, f"{path}[{index}]"))
        return out
    return [{"path": path, "message": str(detail)}]


def _domain_response(exc: Exception) -> Response | None:
    if isinstance(exc, BundleInvalid):
        errors = [{"path": error.path, "message": error.message} for error in exc.errors]
        return Response({"errors": errors or [{"path": "", "message": "The record is invalid."}]}, status=400)
    if isinstance(exc, RecordInUse):
        errors = [{"path": error.path, "message": error.message} for error in exc.errors]
        return Response({"errors": errors}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, VersionConflict):
        return Response(
            error_body("version", str(exc), current_version=exc.actual),
            status=status.HTTP_412_PRECONDITION_FAILED,
            headers={"ETag": f'"{exc.actual}"'},
        )
    if isinstance(exc, (ProtectedError, RestrictedError)):
        names = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects}) if hasattr(
            exc, "protected_objects"
        ) else []
        used_by = f" by {', '.join(names)}" if names else ""
        return Response(error_body("key", f"The record is still used{used_by}; remove those references first."),
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = [{"path": field, "message": msg} for field, msgs in exc.message_dict.items() for msg in msgs]
        else:
            errors = [{"path": "", "message": msg} for msg in exc.messages]
        return Response({"errors": errors}, status=400)
    if isinstance(exc, IntegrityError):
        # The services validate first; this is a concurrent write that won the race.
        logger.warning("API write hit a database constraint: %s", exc)
        return Response(error_body("", "The write conflicts with another change; read the record and retry."),
                        status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DataError):
        logger.warning("API write sent a value the database refuses: %s", exc)
        return Response(error_body("", "A value is out of the range the database can store."), status=400)
    return None


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _domain_response(exc)
    if response is not None:
        set_rollback()
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = f"{int(exc.wait)}"
    path = getattr(exc, "path", "")
    if isinstance(exc.detail, (dict, list)):
        errors = flatten_detail(exc.detail, path)
    else:
        errors = [{"path": path, "message": str(exc.detail)}]
    set_rollback()
    return Response({"errors": errors}, status=exc.status_code, headers=headers)


def api_error(cls: type[exceptions.APIException], message: str, path: str = "") -> exceptions.APIException:
    """An APIException whose single error names `path` (a field, header or query parameter)."""
    exc = cls(message)
    exc.path = path
    return exc
