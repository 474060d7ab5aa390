"""REST endpoints for attribution exports, for researchers and editors (/api/v1/reports/).

GET  /api/v1/reports/export/<format>/?filters   stream the export now (flat memory at any size)
POST /api/v1/reports/jobs/  {"format", filters}  queue a large export as a Celery task (202)
GET  /api/v1/reports/jobs/<id>/                  its status, with a download URL once done
GET  /api/v1/reports/jobs/<id>/download/         the file
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from rest_framework import status
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


def _filters(params) -> ReportFilters:
    try:
        return ReportFilters.from_params({name: params.get(name, "") for name in FILTER_PARAMS})
    except ReportFilterError as exc:
        raise ValidationError(exc.errors) from None


class ExportView(APIView):
    permission_classes = [CanExport]

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

    def get(self, request: Request) -> Response:
        jobs = ExportJob.objects.filter(created_by=request.user)[:50]
        return Response({"results": [job_body(request, job) for job in jobs]})

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

    def get(self, request: Request, job_id) -> Response:
        return Response(job_body(request, _own_job(request, job_id)))


class JobDownloadView(APIView):
    permission_classes = [CanExport]

    def get(self, request: Request, job_id):
        job = _own_job(request, job_id)
        path = export_job_file(job)
        if path is None:
            raise Http404("This export has no file yet.")
        return FileResponse(path.open("rb"), as_attachment=True, filename=f"attribution-{job.pk}.{path.suffix[1:]}",
                            content_type=CONTENT_TYPES[job.format])
