"""Flags: listed and filtered by anyone who may read; reviewed (dismissed with a note, or marked
resolved) by editors through the flag services of the checks."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from claims.api import schema
from claims.api.filters import FlagFilter
from claims.api.history import history_entries
from claims.api.pagination import HistoryPagination
from claims.api.preconditions import etag, expected_version
from claims.api.serializers import FlagReviewSerializer, FlagSerializer, HistoryEntrySerializer
from claims.api.views import ApiViewMixin
from claims.bundle.errors import VersionConflict
from claims.models import Flag, FlagStatus

_READ = schema.error_responses(schema.READ_ERRORS)


@extend_schema_view(
    list=extend_schema(summary="List flags", responses={200: FlagSerializer(many=True), **_READ}),
    retrieve=extend_schema(summary="Read one flag", responses={200: FlagSerializer, **_READ}),
    partial_update=extend_schema(
        summary="Review a flag (editors): dismiss it with a note, or mark it resolved",
        request=FlagReviewSerializer, parameters=[schema.IF_MATCH],
        responses={200: OpenApiResponse(FlagSerializer, description="The flag; the ETag header carries its version."),
                   **schema.error_responses(schema.WRITE_ERRORS)},
    ),
    history=extend_schema(
        summary="History of a flag", filters=False, responses={200: HistoryEntrySerializer(many=True), **_READ}
    ),
)
class FlagViewSet(ApiViewMixin, GenericViewSet):
    """Findings of the checks. Editors review them: dismiss (with a note) or mark resolved."""

    permission_model = Flag
    # Reviewing flags is the editors' job: no api-write grant extends to it.
    grant_allows_write = False
    serializer_class = FlagSerializer
    filterset_class = FlagFilter
    cursor_ordering = "-id"
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Flag]:
        return Flag.objects.select_related("metric", "claim_a", "claim_b")

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        flag = self.get_object()
        return Response(self.get_serializer(flag).data, headers={"ETag": etag(flag.version)})

    def partial_update(self, request: Request, pk: str) -> Response:
        current = self.get_object()
        review = FlagReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        expected = expected_version(request)
        # Imported on use: the flag services belong to the checks, which load on first review.
        from claims.checks.flags import flag_dismiss, flag_resolve

        note = review.validated_data.get("note", "").strip()
        if review.validated_data["status"] == FlagStatus.DISMISSED and not note:
            raise exceptions.ValidationError({"note": ["Say why the flag is not a problem."]})
        with transaction.atomic():
            # Locked, so that neither a re-check nor another editor slips in between the version
            # check and the review.
            flag = Flag.objects.select_for_update().get(pk=current.pk)
            if expected is not None and flag.version != expected:
                raise VersionConflict(key=f"flag {flag.pk}", expected=expected, actual=flag.version)
            if review.validated_data["status"] == FlagStatus.DISMISSED:
                flag_dismiss(flag=flag, user=request.user, note=note)
            else:
                flag_resolve(flag=flag, user=request.user)
        reviewed = self.get_queryset().get(pk=flag.pk)
        return Response(self.get_serializer(reviewed).data, headers={"ETag": etag(reviewed.version)})

    @action(detail=True, methods=["get"], pagination_class=HistoryPagination, filter_backends=[])
    def history(self, request: Request, pk: str) -> Response:
        rows = Flag.history.filter(id=pk)
        if not rows.exists():
            raise exceptions.NotFound("No flag has ever had this id.")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(HistoryEntrySerializer(history_entries(page), many=True).data)
