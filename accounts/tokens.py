"""Issuing, checking and revoking API tokens.

A token is `fct_` followed by 40 random URL-safe characters. Only its SHA-256 is stored: a secret
with this much entropy needs no slow hash, and a plain digest lets the lookup be one indexed query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken
from accounts.roles import ensure_roles

TOKEN_PREFIX = "fct_"  # noqa: S105  (a marker that makes leaked tokens easy to scan for, not a secret)
PREFIX_LENGTH = 12
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_issue(*, username: str, role: str, can_write: bool = False, name: str = "") -> tuple[ApiToken, str]:
    """Create the user if needed, put it in the role's group and issue a new token.

    Returns the stored token and the raw secret; the secret exists only in this return value,
    so the caller must show it once and forget it.
    """
    groups = ensure_roles()
    if role not in groups:
        raise ValueError(f"unknown role {role!r}: choose one of {', '.join(sorted(groups))}")
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.groups.add(groups[role])
    raw = TOKEN_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:PREFIX_LENGTH], digest=token_digest(raw), can_write=can_write
    )
    return token, raw


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token whose secret this is, with its user, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_revoke(*, token: str = "", username: str = "") -> int:
    """Revoke one token (given whole, or by the prefix that `issue_token` printed) or every active
    token of `username`; returns how many were revoked.

    A prefix must be given in full, so that a short string cannot revoke many tokens by accident.
    Revoked tokens are kept, not deleted, so that their prefix and last use stay visible.
    """
    if not token and not username:
        raise ValueError("name a token (or its prefix) or a username")
    tokens = ApiToken.objects.filter(revoked_at__isnull=True)
    if token:
        if len(token) > PREFIX_LENGTH:
            tokens = tokens.filter(digest=token_digest(token))
        elif len(token) == PREFIX_LENGTH:
            tokens = tokens.filter(prefix=token)
        else:
            raise ValueError(f"a token prefix has {PREFIX_LENGTH} characters, as issue_token printed it")
    if username:
        tokens = tokens.filter(user__username=username)
    return tokens.update(revoked_at=timezone.now())


def api_write_granted(*, user: AbstractBaseUser, token: ApiToken | None) -> bool:
    """The explicit grant that lets an API consumer write: on the token it called with, or the
    `accounts.api_write` permission on its user (every token of that user)."""
    if token is not None and token.can_write:
        return True
    return user.has_perm("accounts.api_write")
