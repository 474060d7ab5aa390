"""REST endpoints for attribution exports, for researchers and editors (/api/v1/reports/).

GET  /api/v1/reports/export/<format>/?filters   stream the export now (flat memory at any size)
POST /api/v1/reports/jobs/  {"format", filters}  queue a large export as a Celery task (202)
GET  /api/v1/reports/jobs/<id>/                  its status, with a download URL once done
GET  /api/v1/reports/jobs/<id>/download/         the file
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.reports.access import can_export
from claims.reports.formats import CONTENT_TYPES
from claims.reports.rows import ReportFilterError, ReportFilters
from claims.reports.services import FORMATS, export_job_create, export_job_file, export_response
from reports.models import ExportJob

FILTER_PARAMS = ("metric", "tag", "source", "from", "to", "status", "flag")


class CanExport(BasePermission):
    message = "Only researchers and editors may export reports."

    def has_permission(self, request: Request, view) -> bool:
        return can_export(request.user)


class ExportJobSerializer(serializers.Serializer):
    """How an export job reads in the API (documentation of `job_body`)."""

    id = serializers.UUIDField()
    format = serializers.ChoiceField(choices=list(FORMATS))
    filters = serializers.DictField()
    status = serializers.CharField()
    rows = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    status_url = serializers.URLField()
    download_url = serializers.URLField(allow_null=True)


class ExportJobListSerializer(serializers.Serializer):
    results = ExportJobSerializer(many=True)


class ExportJobRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(FORMATS))
    metric = serializers.CharField(required=False, help_text="Metric key.")
    tag = serializers.CharField(required=False)
    source = serializers.CharField(required=False, help_text="Source key anywhere in a chain.")
    status = serializers.CharField(required=False, help_text="Claim status.")
    flag = serializers.CharField(required=False, help_text="Open flag code.")


FILTER_PARAMETERS = [
    OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, required=False, description=text)
    for name, text in (
        ("metric", "Metric key."), ("tag", "Tag name."), ("source", "Source key anywhere in a chain."),
        ("from", "Earliest figure date (YYYY-MM-DD)."), ("to", "Latest figure date (YYYY-MM-DD)."),
        ("status", "Claim status."), ("flag", "Open flag code."),
    )
]
ERRORS = {400: OpenApiResponse(description="Bad filter or format; the body names each bad field."),
          401: OpenApiResponse(description="Not authenticated."),
          403: OpenApiResponse(description="Only researchers and editors may export.")}


def _filters(params) -> ReportFilters:
    try:
        return ReportFilters.from_params({name: params.get(name, "") for name in FILTER_PARAMS})
    except ReportFilterError as exc:
        raise ValidationError(exc.errors) from None


class ExportView(APIView):
    permission_classes = [CanExport]

    @extend_schema(
        operation_id="reports_export", parameters=FILTER_PARAMETERS,
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The export, streamed."), **ERRORS},
    )
    def get(self, request: Request, export_format: str):
        if export_format not in FORMATS:
            raise ValidationError({"format": f"{export_format!r} is not one of {', '.join(FORMATS)}"})
        return export_response(export_format, _filters(request.query_params))


def job_body(request: Request, job: ExportJob) -> dict:
    body = {
        "id": str(job.pk), "format": job.format, "filters": job.filters, "status": job.status, "rows": job.rows,
        "error": job.error, "created_at": job.created_at, "finished_at": job.finished_at,
        "status_url": request.build_absolute_uri(reverse("reports-api:job", args=[job.pk])),
        "download_url": None,
    }
    if export_job_file(job) is not None:
        body["download_url"] = request.build_absolute_uri(reverse("reports-api:job-download", args=[job.pk]))
    return body


def _own_job(request: Request, job_id) -> ExportJob:
    """A job is visible to the one who asked for it (and superusers): exports may carry filters
    that say what a researcher is working on."""
    jobs = ExportJob.objects.all() if request.user.is_superuser else ExportJob.objects.filter(created_by=request.user)
    try:
        return jobs.get(pk=job_id)
    except ExportJob.DoesNotExist:
        raise Http404("No such export job.") from None


class JobListView(APIView):
    permission_classes = [CanExport]

    @extend_schema(operation_id="reports_jobs_list", responses={200: ExportJobListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        jobs = ExportJob.objects.filter(created_by=request.user)[:50]
        return Response({"results": [job_body(request, job) for job in jobs]})

    @extend_schema(
        operation_id="reports_jobs_create", request=ExportJobRequestSerializer,
        responses={202: ExportJobSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        data = request.data if hasattr(request.data, "get") else {}
        fmt = data.get("format", "")
        if fmt not in FORMATS:
            raise ValidationError({"format": f"{fmt!r} is not one of {', '.join(FORMATS)}"})
        job = export_job_create(user=request.user, fmt=fmt, filters=_filters(data))
        body = job_body(request, job)
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["status_url"]})


class JobView(APIView):
    permission_classes = [CanExport]

    @extend_schema(operation_id="reports_jobs_retrieve", responses={200: ExportJobSerializer, **ERRORS,
                                                                    404: OpenApiResponse(description="No such job.")})
    def get(self, request: Request, job_id) -> Response:
        return Response(job_body(request, _own_job(request, job_id)))


class JobDownloadView(APIView):
    permission_classes = [CanExport]

    @extend_schema(
        operation_id="reports_jobs_download",
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="The finished export file."), **ERRORS,
                   404: OpenApiResponse(description="No such job, or no file yet.")},
    )
    def get(self, request: Request, job_id):
        job = _own_job(request, job_id)
        path = export_job_file(job)
        if path is None:
            raise Http404("This export has no file yet.")
        return FileResponse(path.open("rb"), as_attachment=True, filename=f"attribution-{job.pk}.{path.suffix[1:]}",
                            content_type=CONTENT_TYPES[job.format])
