"""The editors' digest: the flags opened (or re-opened) since the last digest, by e-mail."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from accounts.roles import EDITOR
from claims.models import Flag, FlagDigest, FlagStatus

DIGEST_LIMIT = 200


def digest_recipients() -> list[str]:
    users = get_user_model().objects.filter(groups__name=EDITOR, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def digest_body(flags: list[Flag], total: int) -> str:
    lines = [f"{total} flag(s) opened since the last digest:", ""]
    lines += [f"- [{flag.get_code_display()}] {flag.explanation}" for flag in flags]
    if total > len(flags):
        lines.append(f"... and {total - len(flags)} more in the review queue.")
    return "\n".join(lines)


def flags_digest_send() -> int:
    """Send each editor the flags opened since the previous digest; returns how many flags. The
    FlagDigest row is written in the same transaction, so a failed send is retried from the same
    starting point rather than skipped."""
    with transaction.atomic():
        last = FlagDigest.objects.select_for_update().order_by("-sent_at").first()
        now = timezone.now()
        opened = Flag.objects.filter(status=FlagStatus.OPEN, updated_at__lte=now)
        if last is not None:
            opened = opened.filter(updated_at__gt=last.sent_at)
        total = opened.count()
        recipients = digest_recipients()
        if total and recipients:
            flags = list(opened.order_by("-updated_at")[:DIGEST_LIMIT])
            body = digest_body(flags, total)
            with get_connection() as mail:
                messages = [
                    EmailMessage(f"Claim tracker: {total} new flag(s)", body, settings.DEFAULT_FROM_EMAIL, [address],
                                 connection=mail)
                    for address in recipients
                ]
                mail.send_messages(messages)
        FlagDigest.objects.create(sent_at=now, recipients=len(recipients) if total else 0, flags=total)
    return total
