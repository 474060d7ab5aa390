import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import ApiToken
from accounts.roles import API_CONSUMER, RESEARCHER
from accounts.tokens import api_token_issue, token_digest

pytestmark = pytest.mark.django_db


def _issue(*args: str) -> str:
    out = io.StringIO()
    call_command("issue_token", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def test_issue_token_creates_the_user_with_its_role_and_prints_a_working_token(client):
    raw = _issue("newsdesk", "--role", RESEARCHER)
    token = ApiToken.objects.get()
    assert token.user.username == "newsdesk"
    assert list(token.user.groups.values_list("name", flat=True)) == [RESEARCHER]
    assert not token.can_write
    assert client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    assert client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_the_database_never_holds_the_raw_token():
    raw = _issue("feed", "--role", API_CONSUMER, "--write")
    token = ApiToken.objects.get()
    assert token.can_write
    assert token.digest == token_digest(raw) != raw
    assert raw.startswith(token.prefix) and len(token.prefix) < len(raw) - 20
    # Look in every column of every row, not just the digest field.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    assert rows and all(raw not in str(value) for row in rows for value in row)


def test_a_revoked_token_is_refused(client):
    token, raw = api_token_issue(username="dash", role=API_CONSUMER)
    assert client.get("/api/v1/sources/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 200
    out = io.StringIO()
    call_command("revoke_token", token.prefix, stdout=out)
    assert "Revoked 1 token" in out.getvalue()
    response = client.get("/api/v1/sources/", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Invalid or revoked token."
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_by_user_leaves_other_users_tokens_working(client):
    api_token_issue(username="dash", role=API_CONSUMER)
    api_token_issue(username="dash", role=API_CONSUMER)
    _, other = api_token_issue(username="feed", role=API_CONSUMER)
    call_command("revoke_token", "--user", "dash", stdout=io.StringIO())
    assert ApiToken.objects.filter(user__username="dash", revoked_at__isnull=True).count() == 0
    assert client.get("/api/v1/sources/", HTTP_AUTHORIZATION=f"Token {other}").status_code == 200


def test_revoke_token_refuses_a_short_prefix_that_could_match_many():
    api_token_issue(username="dash", role=API_CONSUMER)
    with pytest.raises(CommandError, match="prefix"):
        call_command("revoke_token", "fct_", stdout=io.StringIO())
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_token_records_when_it_was_last_used(client):
    token, raw = api_token_issue(username="dash", role=API_CONSUMER)
    assert token.last_used_at is None
    client.get("/api/v1/sources/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["Token", "Token a b", "Bearer fct_not-a-real-token", "Token \u00e9t\u00e9"])
def test_malformed_or_unknown_credentials_get_401_with_a_reason(client, header):
    response = client.get("/api/v1/claims/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"]
    assert response["WWW-Authenticate"].startswith("Token")


def test_issue_token_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        call_command("issue_token", "x", "--role", "admin", stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()
