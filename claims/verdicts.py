"""Verdicts: who ruled on a claim, when, and why. ClaimReview output is built from these."""

from __future__ import annotations

from django.utils import timezone

from claims.models import OPEN_STATUSES, Claim


def claim_verdict_stamp(*, claim: Claim, user, previous_status: str | None, previous_summary: str | None) -> None:
    """Record the verdict's author and time on `claim` (not saved here: the caller saves).

    A verdict is stamped when a claim reaches a ruled status, when its ruling changes, or when the
    summary readers see is rewritten; a claim sent back to review loses its stamp, because a
    ClaimReview must never name someone for a ruling that no longer stands."""
    if claim.status in OPEN_STATUSES:
        claim.verdict_by = None
        claim.verdict_at = None
        return
    if claim.status != previous_status or claim.verdict_summary != (previous_summary or ""):
        claim.verdict_by = user if getattr(user, "is_authenticated", False) else None
        claim.verdict_at = timezone.now()
