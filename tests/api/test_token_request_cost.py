"""What one token request asks the database, and that nothing learnt on one request outlives it:
the token, its user and the user's permissions come in one query, read afresh every time."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken
from accounts.roles import EDITOR, RESEARCHER, ensure_roles
from accounts.tokens import api_token_issue

pytestmark = pytest.mark.django_db

SOURCES = "/api/v1/sources/"
POST_BODY = {"key": "wire", "name": "Wire", "kind": "news_agency", "reliability": "B"}


def _auth_queries(queries) -> list[str]:
    tables = ("accounts_apitoken", "auth_permission", "auth_user")
    return [q["sql"] for q in queries if any(t in q["sql"] for t in tables) and q["sql"].lstrip().startswith("SELECT")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-query lookup is PostgreSQL's")
def test_token_user_and_permissions_are_read_in_one_query(client):
    _, raw = api_token_issue(username="rita", role=RESEARCHER)
    client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}")  # records last use (a write) once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 200
    assert len(_auth_queries(queries.captured_queries)) == 1


def test_a_role_taken_away_is_refused_on_the_next_request(client):
    groups = ensure_roles()
    _, raw = api_token_issue(username="eddie", role=EDITOR)
    headers = {"HTTP_AUTHORIZATION": f"Token {raw}", "content_type": "application/json"}
    assert client.post(SOURCES, POST_BODY, **headers).status_code == 201
    user = get_user_model().objects.get(username="eddie")
    user.groups.remove(groups[EDITOR])
    user.groups.add(groups[RESEARCHER])
    assert client.post(SOURCES, {**POST_BODY, "key": "wire-2"}, **headers).status_code == 403
    assert client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200


def test_a_permission_granted_to_the_user_counts_on_the_next_request(client):
    _, raw = api_token_issue(username="rita", role=RESEARCHER)
    headers = {"HTTP_AUTHORIZATION": f"Token {raw}", "content_type": "application/json"}
    assert client.post(SOURCES, POST_BODY, **headers).status_code == 403
    user = get_user_model().objects.get(username="rita")
    user.user_permissions.add(Permission.objects.get(codename="add_source", content_type__app_label="sources"))
    assert client.post(SOURCES, POST_BODY, **headers).status_code == 201


def test_a_superuser_without_groups_has_every_permission(client):
    _, raw = api_token_issue(username="root", role=RESEARCHER)
    user = get_user_model().objects.get(username="root")
    user.groups.clear()
    headers = {"HTTP_AUTHORIZATION": f"Token {raw}", "content_type": "application/json"}
    assert client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 403
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert client.post(SOURCES, POST_BODY, **headers).status_code == 201


def test_a_deactivated_user_or_revoked_token_is_refused_on_the_next_request(client):
    token, raw = api_token_issue(username="rita", role=RESEARCHER)
    assert client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    get_user_model().objects.filter(username="rita").update(is_active=False)
    assert client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401
    get_user_model().objects.filter(username="rita").update(is_active=True)
    assert client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
    assert client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401


def test_a_group_losing_a_permission_takes_effect_on_the_next_request(client):
    groups = ensure_roles()
    _, raw = api_token_issue(username="rita", role=RESEARCHER)
    assert client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    group: Group = groups[RESEARCHER]
    group.permissions.remove(Permission.objects.get(codename="view_source", content_type__app_label="sources"))
    assert client.get(SOURCES, HTTP_AUTHORIZATION=f"Token {raw}").status_code == 403
