"""OpenAPI details drf-spectacular cannot infer: the token scheme, headers and error bodies."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from claims.api.serializers import KEY_PATTERN, ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "The request is invalid: each error names the field (bundle path), header or query parameter.",
    401: "No credentials, or an invalid or revoked token.",
    403: "Your role does not allow this.",
    404: "No such record (or an invalid page cursor).",
    406: "The Accept header asks for a format the API cannot produce.",
    409: "The record already exists, is still referenced, or an Idempotency-Key is in use.",
    412: "If-Match names a version older than the stored one; nothing was changed.",
    415: "The body is not JSON (send Content-Type: application/json).",
    422: "The Idempotency-Key was already used with a different request.",
    429: "Too many requests: wait the seconds given in Retry-After.",
}
READ_ERRORS = (400, 401, 403, 404, 406, 429)
WRITE_ERRORS = (400, 401, 403, 404, 406, 409, 412, 415, 429)


def error_responses(codes: tuple[int, ...]) -> dict[int, OpenApiResponse]:
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]) for code in codes}


KEY = OpenApiParameter(
    "key", OpenApiTypes.STR, OpenApiParameter.PATH, required=True, pattern=KEY_PATTERN,
    description="The record's key: 1-100 lowercase letters, digits or hyphens.",
)
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description='The version you read, as the ETag gave it ("3"); a stale one gets 412.',
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="A unique string (a UUID) per create: a retry with the same key and body replays the first answer.",
)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer <token>` (or `Token <token>`); tokens come from "
            "`manage.py issue_token`.",
        }
