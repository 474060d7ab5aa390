"""API tokens and idempotency records: what the REST API needs to know about its callers.

A token is stored only as the SHA-256 of its secret, so a copy of the database does not hand out
working credentials; the short prefix lets a person tell tokens apart without seeing the secret.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for, e.g. 'dashboard'.")
    prefix = models.CharField(
        max_length=12, db_index=True, help_text="First characters of the token, to tell it apart."
    )
    digest = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the token; the token itself is never kept."
    )
    can_write = models.BooleanField(
        default=False, help_text="The api-write grant for this token alone: lets an API consumer write records."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("api_write", "Can write through the REST API (the api-write grant for every token)")]

    def __str__(self) -> str:
        return f"{self.prefix}... ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The outcome of one POST sent with an Idempotency-Key, replayed when a client retries it, so
    a retry after a lost response does not create the record twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    # Null while the first request is still being handled.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_one_per_user_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"
