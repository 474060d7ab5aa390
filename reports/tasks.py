"""Celery's autodiscovery looks for `tasks` in installed apps: register the export task from here."""

from claims.reports.tasks import export_job_task

__all__ = ["export_job_task"]
