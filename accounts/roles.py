"""The roles of DESIGN.md as Django groups: editor, researcher, api_consumer.

Groups carry model permissions, so the admin, the API and the CLI all ask the same question
(`user.has_perm(...)`) and no role can do more than its list.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

EDITOR = "editor"
RESEARCHER = "researcher"
API_CONSUMER = "api_consumer"
ROLES = (EDITOR, RESEARCHER, API_CONSUMER)

_DOMAIN_MODELS = {
    "sources": ["source", "document"],
    "claims": ["metric", "tag", "claim", "figure", "attribution", "attributionlink", "flag"],
}


def _codenames(actions: tuple[str, ...]) -> list[tuple[str, str]]:
    return [
        (app, f"{action}_{model}") for app, models in _DOMAIN_MODELS.items() for model in models for action in actions
    ]


ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    EDITOR: _codenames(("view", "add", "change", "delete")),
    RESEARCHER: _codenames(("view",)),
    API_CONSUMER: _codenames(("view",)),
}


def ensure_roles() -> dict[str, Group]:
    """Create or repair the role groups so that each holds exactly its permissions."""
    groups = {}
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = [
            perm
            for app, codename in wanted
            for perm in Permission.objects.filter(content_type__app_label=app, codename=codename)
        ]
        group.permissions.set(perms)
        groups[role] = group
    return groups


def ensure_roles_after_migrate(sender, **kwargs) -> None:
    ensure_roles()
