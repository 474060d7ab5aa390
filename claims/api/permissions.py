"""Who may do what through the API: the roles of DESIGN.md, asked through model permissions.

- reads need the `view_<model>` permission (editor, researcher, api_consumer all have it);
- writes need the model's add/change/delete permission (editors), or, for an api_consumer, the
  explicit api-write grant (on the token, or `accounts.api_write` on the user);
- flag reviews and verdicts are the editors' alone: a grant lets a consumer supply records, not
  rule on them.
Anonymous callers get 401 everywhere.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import ApiToken
from accounts.roles import API_CONSUMER
from accounts.tokens import api_write_granted

WRITE_ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def _perm(model, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _has_role(user: AbstractBaseUser, role: str) -> bool:
    return user.groups.filter(name=role).exists()


def may_write(request: Request, model, method: str) -> bool:
    user = request.user
    if user.has_perm(_perm(model, WRITE_ACTIONS[method])):
        return True
    token = request.auth if isinstance(request.auth, ApiToken) else None
    return _has_role(user, API_CONSUMER) and api_write_granted(user=user, token=token)


def may_set_verdict(user: AbstractBaseUser) -> bool:
    """Verdicts (a claim's status) are set by editors, whose role is to review claims; an
    api_consumer with a write grant may send claims but must leave their status as it is."""
    return user.has_perm("claims.change_claim")


class RolePermission(BasePermission):
    """Reads by `view_<model>`, writes by model permission or the api-write grant. The view names
    its model in `permission_model`, and may set `grant_allows_write = False` (flag reviews)."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        model = getattr(view, "permission_model", None)
        if model is None:
            return request.method in SAFE_METHODS
        if request.method in SAFE_METHODS:
            return user.has_perm(_perm(model, "view"))
        if request.method not in WRITE_ACTIONS:
            return False
        if not getattr(view, "grant_allows_write", True):
            return user.has_perm(_perm(model, WRITE_ACTIONS[request.method]))
        return may_write(request, model, request.method)
