"""Celery task for large exports; the work itself is services.export_job_run."""

from __future__ import annotations

from celery import shared_task

from claims.reports.services import export_job_run


@shared_task(name="reports.export_job")
def export_job_task(job_id: str) -> str:
    return export_job_run(job_id=job_id).status
