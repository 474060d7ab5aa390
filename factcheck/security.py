"""Login rate limiting, a clear answer when the database is gone, and what the secret scan looks for.

django-axes counts failed admin logins per (username, client address) and locks the pair out for
a cool-off period. Its backend insists on seeing the request, because the lockout is keyed on the
client's address; authentication without a request only happens in code we run ourselves (shell,
management commands, the test client's login()), never from the network, so here it is passed on to
the next backend instead of failing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger(__name__)

# What a leaked credential looks like: private keys, our API tokens (fct_ + 40 characters) and
# the usual cloud and code-host token shapes. Used by the repository scan in the test suite.
SECRET_PATTERNS: dict[str, re.Pattern[str]] = {
    "private key": re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
    "api token": re.compile(r"\bfct_[A-Za-z0-9_-]{40}\b"),
    "aws access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "github token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "slack token": re.compile(r"\bxox[abpors]-[A-Za-z0-9-]{10,}\b"),
    # A literal password in a service URL; `${VAR:-default}` is a reference to the environment.
    "password in a URL": re.compile(r"\b(?:postgres(?:ql)?|redis|amqp)://[^:/@\s]+:(?!\$)[^@/\s]{6,}@"),
}


def secret_findings(text: str) -> list[str]:
    """Names of the secret patterns found in `text` (empty when it looks clean)."""
    return [name for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


class LoginLockoutBackend(AxesStandaloneBackend):
    """Refuses logins for a (username, address) pair that django-axes has locked out; with no
    request there is no address to key on and nothing to rate-limit, so it steps aside."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class DatabaseUnavailableMiddleware:
    """A lost or refused database connection answers 503 with Retry-After, not a bare 500: the
    client did nothing wrong and the same request may well work in a moment. The transaction the
    connection carried is gone with it, so the request's writes were not kept; Django drops the
    broken connection when the request ends and the next request opens a new one."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        message = "The database is unavailable; this request was not completed. Retry in a few seconds."
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"errors": [{"path": "", "message": message}]}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
