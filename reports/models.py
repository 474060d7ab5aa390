"""Export jobs: a large attribution export runs as a Celery task and leaves a file to download."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSONL = "jsonl", "JSON Lines"
    XLSX = "xlsx", "Excel (XLSX)"
    CLAIMREVIEW = "claimreview", "ClaimReview JSON-LD"
    PROV = "prov", "PROV-O JSON-LD"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class ExportJob(models.Model):
    """One requested export. The id is a UUID so that a status URL cannot be guessed from another."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=12, choices=ExportFormat.choices)
    filters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    file_name = models.CharField(max_length=200, blank=True, help_text="Relative to the exports folder.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="exportjob_status_valid"),
            models.CheckConstraint(condition=Q(format__in=ExportFormat.values), name="exportjob_format_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_format_display()} export ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)
