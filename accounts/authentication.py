"""DRF authentication by API token: `Authorization: Token <token>` or `Authorization: Bearer <token>`."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.tokens import api_token_authenticate

KEYWORDS = (b"token", b"bearer")
MAX_TOKEN_LENGTH = 200


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
        token: ApiToken | None = api_token_authenticate(raw=raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # A 401 (not 403) for missing credentials needs a WWW-Authenticate challenge.
        return 'Token realm="api"'
