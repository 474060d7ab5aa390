"""Export services shared by the CLI, the API, the admin and the Celery task."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from claims.reports.claimreview import claimreview_stream
from claims.reports.formats import CONTENT_TYPES, EXTENSIONS, csv_stream, jsonl_stream, xlsx_write
from claims.reports.prov import prov_stream
from claims.reports.rows import ReportFilters, attribution_rows
from reports.models import ExportFormat, ExportJob, ExportStatus

logger = logging.getLogger(__name__)
FORMATS = tuple(ExportFormat.values)
PROGRESS_EVERY = 10_000


def counted(rows: Iterable, *, every: int = PROGRESS_EVERY,
            progress: Callable[[int], None] | None = None) -> Iterator:
    """Pass rows through, calling progress(n) every `every` rows and once at the end."""
    n = 0
    for n, row in enumerate(rows, start=1):
        if progress is not None and n % every == 0:
            progress(n)
        yield row
    if progress is not None:
        progress(n)


def export_chunks(fmt: str, filters: ReportFilters, *, progress: Callable[[int], None] | None = None
                  ) -> Iterator[bytes]:
    """The export as a stream of bytes, for every format but XLSX (a zip needs a file)."""
    if fmt == ExportFormat.CLAIMREVIEW:
        return claimreview_stream(filters)
    if fmt == ExportFormat.PROV:
        return prov_stream(filters)
    rows = counted(attribution_rows(filters), progress=progress)
    if fmt == ExportFormat.CSV:
        return csv_stream(rows)
    if fmt == ExportFormat.JSONL:
        return jsonl_stream(rows)
    raise ValueError(f"{fmt!r} cannot be streamed; choose one of csv, jsonl, claimreview, prov")


def export_write(fmt: str, filters: ReportFilters, out: BinaryIO, *,
                 progress: Callable[[int], None] | None = None) -> int:
    """Write the export to a binary file; return the number of report rows (0 for JSON-LD)."""
    total = 0

    def track(n: int) -> None:
        nonlocal total
        total = n
        if progress is not None:
            progress(n)

    if fmt == ExportFormat.XLSX:
        xlsx_write(counted(attribution_rows(filters), progress=track), out)
        return total
    for chunk in export_chunks(fmt, filters, progress=track):
        out.write(chunk)
    return total


def export_filename(fmt: str) -> str:
    return f"attribution-{timezone.now():%Y%m%d-%H%M%S}.{EXTENSIONS[fmt]}"


def export_response(fmt: str, filters: ReportFilters) -> StreamingHttpResponse | FileResponse:
    """A download that never holds the export in memory: streamed as it is written, or for XLSX
    spooled through an anonymous temporary file that disappears when the response closes."""
    name = export_filename(fmt)
    if fmt == ExportFormat.XLSX:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        xlsx_write(attribution_rows(filters), spool)
        spool.seek(0)
        return FileResponse(spool, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
    response = StreamingHttpResponse(export_chunks(fmt, filters), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def export_dir() -> Path:
    path = Path(settings.REPORTS_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_job_create(*, user, fmt: str, filters: ReportFilters) -> ExportJob:
    """Record an export job and queue it once the transaction commits. If the queue cannot be
    reached the job is marked failed with the reason, so the user sees why instead of waiting."""
    if fmt not in FORMATS:
        raise ValueError(f"{fmt!r} is not an export format (one of {', '.join(FORMATS)})")
    job = ExportJob(created_by=user, format=fmt, filters=filters.as_params())
    job._history_user = user
    job.save()

    def enqueue() -> None:
        from claims.reports.tasks import export_job_task

        try:
            export_job_task.delay(str(job.pk))
        except Exception as exc:  # the broker being down must not lose the request silently
            logger.warning("export job %s could not be queued: %s", job.pk, exc)
            _job_finish(job, status=ExportStatus.FAILED, error=f"The task queue is unavailable: {exc}")

    transaction.on_commit(enqueue)
    return job


def _job_finish(job: ExportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.finished_at = timezone.now()
    job._history_user = job.created_by
    job.save()


def export_job_run(*, job_id: str) -> ExportJob:
    """Run a queued job: write its file under the exports folder and record the outcome. Bad
    stored filters fail the job with the reason; nothing else is touched."""
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job  # a redelivered task must not redo finished work
    job.status = ExportStatus.RUNNING
    job._history_user = job.created_by
    job.save(update_fields=["status"])
    name = f"{job.pk}.{EXTENSIONS[job.format]}"
    target = export_dir() / name
    partial = target.with_suffix(target.suffix + ".part")
    try:
        filters = ReportFilters.from_params(job.filters)
        with partial.open("wb") as out:
            rows = export_write(job.format, filters, out)
        partial.replace(target)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        logger.exception("export job %s failed", job.pk)
        _job_finish(job, status=ExportStatus.FAILED, error=str(exc))
        return job
    _job_finish(job, status=ExportStatus.DONE, rows=rows, file_name=name)
    return job


def export_job_file(job: ExportJob) -> Path | None:
    if job.status != ExportStatus.DONE or not job.file_name:
        return None
    path = export_dir() / job.file_name
    return path if path.is_file() else None
