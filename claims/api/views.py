"""Record endpoints: sources, documents, metrics and claims, addressed by key.

Views translate HTTP to service calls and back; every rule (validation, versions, checks to
queue, history) lives in claims.services, the same code the bundle import runs.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from claims import services
from claims.api import schema
from claims.api.claim_records import CLAIM_COLUMNS, claim_records
from claims.api.exceptions import Conflict, RecordInUse, api_error, error_body
from claims.api.filters import ClaimFilter, DocumentFilter, SourceFilter
from claims.api.history import history_entries
from claims.api.idempotency import idempotent_create
from claims.api.pagination import HistoryPagination
from claims.api.permissions import may_set_verdict
from claims.api.preconditions import etag, expected_version
from claims.api.response_cache import cached_read
from claims.api.serializers import (
    KEY_PATTERN,
    READ_ONLY_FIELDS,
    ClaimSerializer,
    DocumentSerializer,
    HistoryEntrySerializer,
    MetricSerializer,
    SourceSerializer,
)
from claims.bundle.errors import BundleInvalid, VersionConflict
from claims.bundle.exporter import claims_for_export
from claims.models import Claim, ClaimStatus, Metric
from sources.models import Document, Source


class ApiViewMixin:
    """What every API view shares: failed authentication still counts against the caller's
    address, so that guessing tokens is throttled like any anonymous traffic."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        try:
            super().initial(request, *args, **kwargs)
        except (exceptions.NotAuthenticated, exceptions.AuthenticationFailed):
            self.check_throttles(request)
            raise


def record_schema(serializer, noun: str):
    """The OpenAPI description of one record resource, with every error it can answer."""
    read = schema.error_responses(schema.READ_ERRORS)
    write = schema.error_responses(schema.WRITE_ERRORS)
    created = schema.error_responses((*schema.WRITE_ERRORS, 422))
    ok = OpenApiResponse(serializer, description=f"The {noun}; the ETag header carries its version.")
    return extend_schema_view(
        list=extend_schema(summary=f"List {noun}s", responses={200: serializer(many=True), **read}),
        retrieve=extend_schema(summary=f"Read one {noun}", parameters=[schema.KEY], responses={200: ok, **read}),
        create=extend_schema(
            summary=f"Create a {noun}", request=serializer, parameters=[schema.IDEMPOTENCY_KEY],
            responses={201: ok, **created},
        ),
        update=extend_schema(
            summary=f"Replace a {noun}", request=serializer, parameters=[schema.KEY, schema.IF_MATCH],
            responses={200: ok, **write},
        ),
        partial_update=extend_schema(
            summary=f"Change some fields of a {noun} (null removes an optional field)",
            request=serializer, parameters=[schema.KEY, schema.IF_MATCH], responses={200: ok, **write},
        ),
        destroy=extend_schema(
            summary=f"Delete a {noun}", parameters=[schema.KEY, schema.IF_MATCH],
            responses={204: OpenApiResponse(description="Deleted."), **write},
        ),
        history=extend_schema(
            summary=f"History of a {noun}", filters=False, parameters=[schema.KEY],
            responses={200: HistoryEntrySerializer(many=True), **read},
        ),
    )


class RecordViewSet(ApiViewMixin, GenericViewSet):
    model: type[Model]
    upsert: str  # name of the claims.services function that writes one record
    noun: str
    lookup_field = "key"
    lookup_value_regex = KEY_PATTERN.strip("^$")
    cursor_ordering = "id"

    @property
    def permission_model(self) -> type[Model]:
        return self.model

    def get_queryset(self) -> QuerySet:
        return self.model.objects.all()

    # Reads

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, key: str) -> Response:
        return self._record_response(self.get_object())

    @action(detail=True, methods=["get"], pagination_class=HistoryPagination, filter_backends=[])
    def history(self, request: Request, key: str) -> Response:
        rows = self.model.history.filter(key=key)
        if not rows.exists():
            raise exceptions.NotFound(f"No {self.noun} has ever had the key {key!r}.")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(HistoryEntrySerializer(history_entries(page), many=True).data)

    # Writes

    def create(self, request: Request) -> Response:
        return idempotent_create(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        record = self.incoming_record(request)
        key = record.get("key")
        if isinstance(key, str) and self.model.objects.filter(key=key).exists():
            raise api_error(Conflict, f"A {self.noun} with the key {key!r} exists: PUT or PATCH its URL.", "key")
        self.check_record(request, record, current=None)
        saved = self._write(record=record, user=request.user, expected_version=None)
        response = self._record_response(self._reload(saved, record), status_code=status.HTTP_201_CREATED)
        response["Location"] = reverse(f"api-v1:{self.basename}-detail", kwargs={"key": response.data["key"]})
        return response

    def update(self, request: Request, key: str, partial: bool = False) -> Response:
        current = self.get_object()
        expected = expected_version(request)
        record = self.incoming_record(request, key=current.key)
        if partial:
            base = {name: value for name, value in self.get_serializer(current).data.items()
                    if name not in (*READ_ONLY_FIELDS, "sha256")}
            record = {name: value for name, value in {**base, **record}.items() if value is not None}
        self.check_record(request, record, current=current)
        saved = self._write(record=record, user=request.user, expected_version=expected)
        return self._record_response(self._reload(saved, record))

    def partial_update(self, request: Request, key: str) -> Response:
        return self.update(request, key, partial=True)

    def destroy(self, request: Request, key: str) -> Response:
        current = self.get_object()
        expected = expected_version(request)
        with transaction.atomic():
            # Locked, so that no update slips in between the version check and the delete.
            locked = self.model.objects.select_for_update().get(pk=current.pk)
            if expected is not None and locked.version != expected:
                raise VersionConflict(key=locked.key, expected=expected, actual=locked.version)
            try:
                services.record_delete(model=self.model, key=locked.key, user=request.user)
            except BundleInvalid as exc:
                # The one reason a delete is refused: other records still point at this one.
                raise RecordInUse(exc.errors) from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Helpers

    def incoming_record(self, request: Request, key: str | None = None) -> dict[str, Any]:
        """The body as a bundle record: the read-only fields a client may send back are dropped,
        and on a record's URL the key is the URL's."""
        if not isinstance(request.data, dict):
            raise exceptions.ValidationError({"": [f"Send the {self.noun} as a JSON object."]})
        record = {name: value for name, value in request.data.items() if name not in READ_ONLY_FIELDS}
        if key is not None and record.setdefault("key", key) != key:
            raise exceptions.ValidationError({"key": ["The key is the record's address and cannot change."]})
        return record

    def check_record(self, request: Request, record: dict[str, Any], current: Model | None) -> None:
        """Role rules on a record beyond the model permission (none for most records)."""

    def _write(self, **kwargs: Any) -> Any:
        return getattr(services, self.upsert)(**kwargs)

    def _reload(self, saved: Any, record: dict[str, Any]) -> Model:
        key = getattr(saved, "key", None) or record["key"]
        return self.get_queryset().get(key=key)

    def _record_response(self, obj: Model, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(obj).data, status=status_code, headers={"ETag": etag(obj.version)})


@record_schema(SourceSerializer, "source")
class SourceViewSet(RecordViewSet):
    """Sources: who speaks. An ungraded source inherits its parent's reliability grade."""

    model = Source
    upsert = "source_upsert"
    noun = "source"
    serializer_class = SourceSerializer
    filterset_class = SourceFilter

    def get_queryset(self) -> QuerySet:
        return Source.objects.select_related("parent")


@record_schema(DocumentSerializer, "document")
class DocumentViewSet(RecordViewSet):
    """Documents: the publications and statements that links of a chain point to."""

    model = Document
    upsert = "document_upsert"
    noun = "document"
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter

    def get_queryset(self) -> QuerySet:
        return Document.objects.select_related("publisher")


@record_schema(MetricSerializer, "metric")
class MetricViewSet(RecordViewSet):
    """Metrics: the quantities figures of different claims are compared on."""

    model = Metric
    upsert = "metric_upsert"
    noun = "metric"
    serializer_class = MetricSerializer


@record_schema(ClaimSerializer, "claim")
class ClaimViewSet(RecordViewSet):
    """Claims with their figures and attribution chains (outermost link first), written whole and
    checked by the same rules as a bundle import. Only editors may change a claim's status."""

    model = Claim
    upsert = "claim_upsert"
    noun = "claim"
    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    cursor_ordering = "-id"

    def get_queryset(self) -> QuerySet:
        # The exporter's prefetch: what claim_to_record reads, in a fixed number of queries.
        return claims_for_export()

    def list(self, request: Request) -> Response:
        # Served from the response cache while the database has not changed (response_cache.py).
        return cached_read(request, self, self._list_page)

    def retrieve(self, request: Request, key: str) -> Response:
        return cached_read(request, self, lambda: super(ClaimViewSet, self).retrieve(request, key))

    def _list_page(self) -> Response:
        # The list skips model instances and the serializer (claim_records builds the same records
        # from plain rows): at 100 claims a page they cost more than the database does.
        rows = self.filter_queryset(Claim.objects.all()).values(*CLAIM_COLUMNS)
        return self.get_paginated_response(claim_records(claims=self.paginate_queryset(rows)))

    def check_record(self, request: Request, record: dict[str, Any], current: Model | None) -> None:
        if may_set_verdict(request.user):
            return
        stored = current.status if current is not None else ClaimStatus.UNREVIEWED
        # Without the right to rule on claims, the status stays what it is.
        status_sent = record.setdefault("status", stored)
        if status_sent != stored:
            raise api_error(exceptions.PermissionDenied, "Only editors may change a claim's status.", "status")


class JsonErrorsMixin:
    """Errors as JSON even on views that render YAML or HTML (the schema, the docs page), so a
    client always gets the same error body."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JsonErrorsMixin, ApiViewMixin, SpectacularAPIView):
    pass


class DocsView(JsonErrorsMixin, ApiViewMixin, SpectacularSwaggerView):
    pass


@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("", "There is no API endpoint at this address."), status=404)
