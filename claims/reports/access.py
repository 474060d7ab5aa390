"""Who may see the report pages and who may export, and the CSP header the pages carry."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.roles import EDITOR, RESEARCHER

EXPORT_ROLES = (EDITOR, RESEARCHER)


def can_export(user) -> bool:
    """DESIGN.md gives export to researchers (read, export) and editors (who can do more); API
    consumers read records through the API but do not take bulk exports."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name__in=EXPORT_ROLES).exists()


def can_read_reports(user) -> bool:
    return settings.REPORTS_PUBLIC or (user.is_authenticated and user.has_perm("claims.view_claim"))


def with_csp(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Report pages show text written by others: a strict CSP means that even a slip in escaping
    could not run a script (the pages use no script, no inline style and no outside resource)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Content-Security-Policy", settings.REPORTS_CSP)
        return response

    return wrapped


def report_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open to anyone when REPORTS_PUBLIC is set; otherwise to logged-in users who may view claims."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_read_reports(request.user):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise PermissionDenied("You may not read the reports.")
        return view(request, *args, **kwargs)

    return with_csp(wrapped)
