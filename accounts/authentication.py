"""DRF authentication by API token: `Authorization: Token <token>` or `Authorization: Bearer <token>`.

On PostgreSQL one query answers a token request: the active token, its (active) user and the
user's permissions (its own and its groups', or every permission for a superuser). The permissions
are handed to Django's ModelBackend as its per-request memo (`_perm_cache`), so the permission
checks that follow ask the database nothing more. Nothing is kept between requests: a revoked
token, a deactivated user or a changed role takes effect on the very next request.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.tokens import LAST_USED_RESOLUTION, api_token_authenticate, token_digest

KEYWORDS = (b"token", b"bearer")
MAX_TOKEN_LENGTH = 200


@cache
def _token_sql() -> tuple[str, list[str], list[str]]:
    """The one-query lookup, with the attribute names of the token's and the user's columns in the
    order selected (built from the models, so a field added to either is read as well)."""
    user_model = get_user_model()
    token_fields = [f for f in ApiToken._meta.concrete_fields]
    user_fields = [f for f in user_model._meta.concrete_fields]
    qn = connection.ops.quote_name
    columns = [f"t.{qn(f.column)}" for f in token_fields] + [f"u.{qn(f.column)}" for f in user_fields]
    own = user_model._meta.get_field("user_permissions").remote_field.through._meta.db_table
    membership = user_model._meta.get_field("groups").remote_field.through._meta.db_table
    granted = Group._meta.get_field("permissions").remote_field.through._meta.db_table
    permission, content_type = qn(Permission._meta.db_table), qn(ContentType._meta.db_table)
    token_table, user_table = qn(ApiToken._meta.db_table), qn(user_model._meta.db_table)
    # Only names from model metadata are interpolated; the digest is a parameter.
    sql = f"""
        SELECT {", ".join(columns)}, ARRAY(
            SELECT ct.app_label || '.' || p.codename
            FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id
            WHERE u.is_superuser OR p.id IN (
                SELECT up.permission_id FROM {qn(own)} up WHERE up.user_id = u.id
                UNION ALL
                SELECT gp.permission_id FROM {qn(granted)} gp
                JOIN {qn(membership)} ug ON ug.group_id = gp.group_id WHERE ug.user_id = u.id))
        FROM {token_table} t JOIN {user_table} u ON u.id = t.user_id
        WHERE t.digest = %s AND t.revoked_at IS NULL AND u.is_active"""  # noqa: S608
    return sql, [f.attname for f in token_fields], [f.attname for f in user_fields]


def _authenticate_in_one_query(raw: str) -> ApiToken | None:
    sql, token_names, user_names = _token_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_digest(raw)])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(token_names)
    db = connection.alias
    token = ApiToken.from_db(db, token_names, row[:split])
    user = get_user_model().from_db(db, user_names, row[split : split + len(user_names)])
    # ModelBackend's memo of {user's, groups'} permissions for this user object, i.e. this request.
    user._perm_cache = set(row[-1])
    token.user = user
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class ApiTokenAuthentication(BaseAuthentication):
    """Sets `request.auth` to the ApiToken, so that permissions can read its write grant."""

    def authenticate(self, request: Request) -> tuple | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send one token after the keyword: 'Token <token>'."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("A token holds only ASCII characters.")) from None
        if len(raw) > MAX_TOKEN_LENGTH:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if connection.vendor == "postgresql":
            token = _authenticate_in_one_query(raw)
        else:
            token = api_token_authenticate(raw=raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # A 401 (not 403) for missing credentials needs a WWW-Authenticate challenge.
        return 'Token realm="api"'
