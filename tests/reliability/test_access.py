"""Login rate limiting, CSRF, cookies and headers, upload limits, secrets kept out of the
repository and the logs, and credentials stored only as hashes."""

from __future__ import annotations

import json
import logging
import subprocess

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from accounts.roles import EDITOR
from accounts.tokens import api_token_issue
from claims.models import Claim
from factcheck.security import secret_findings
from tests.reliability.conftest import PASSWORD
from tests.support import PYTHON, ROOT, project_env


def _login(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"},
                       REMOTE_ADDR=address)


@pytest.fixture
def editor(db) -> User:
    from tests.reliability.conftest import make_staff

    return make_staff("edith", EDITOR)


def test_it_locks_a_username_and_address_out_after_the_failure_limit(editor, figures):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "edith", "wrong-guess").status_code == 200  # the form again, with an error
    assert _login(client, "edith", "wrong-guess").status_code == 429  # the last failure allowed
    locked = _login(client, "edith", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The lock is for that pair: the editor still gets in from another address.
    elsewhere = Client()
    assert _login(elsewhere, "edith", PASSWORD, address="10.0.0.2").status_code == 302
    figures("admin password guessing", attempted=settings.AXES_FAILURE_LIMIT + 1,
            succeeded=0, lost=0, duplicated=0, locked_after=settings.AXES_FAILURE_LIMIT)


def test_a_right_password_below_the_limit_resets_the_count(editor):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "edith", "wrong-guess")
    assert _login(client, "edith", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "edith", "wrong-guess")
    assert _login(client, "edith", PASSWORD).status_code == 302


def test_token_auth_and_the_test_client_logins_still_work_with_axes(editor):
    token = api_token_issue(username="edith", role=EDITOR)[1]
    assert Client().get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200
    assert Client().login(username="edith", password=PASSWORD)
    forced = Client()
    forced.force_login(editor)
    assert forced.get("/admin/").status_code == 200


def test_forms_and_session_writes_need_the_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    admin_post = client.post("/admin/claims/claim/add/", {"key": "csrf-less", "text": "x", "status": "unreviewed"})
    api_post = client.post("/api/v1/claims/", json.dumps({"key": "csrf-less-api", "text": "x"}),
                           content_type="application/json")
    assert admin_post.status_code == 403
    assert api_post.status_code == 403
    assert not Claim.objects.exists()
    login_form = Client(enforce_csrf_checks=True).post(reverse("admin:login"), {"username": "edith",
                                                                              "password": PASSWORD})
    assert login_form.status_code == 403


_PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
response = Client(HTTP_HOST="claims.example.org").get("/healthz", secure=True)
print(json.dumps({
    "session_secure": settings.SESSION_COOKIE_SECURE, "csrf_secure": settings.CSRF_COOKIE_SECURE,
    "session_httponly": settings.SESSION_COOKIE_HTTPONLY, "hsts": response.headers.get("Strict-Transport-Security"),
    "nosniff": response.headers.get("X-Content-Type-Options"), "redirect": Client(HTTP_HOST="claims.example.org")
        .get("/admin/").status_code,
}))
"""


def test_production_settings_send_secure_cookies_hsts_and_redirect_to_https():
    env = project_env(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="p" * 30 + "-production-like-secret-key-for-the-probe",
                      DJANGO_ALLOWED_HOSTS="claims.example.org", DJANGO_SETTINGS_MODULE="factcheck.settings",
                      DATABASE_URL=None, CELERY_BROKER_URL=None, FACTCHECK_VAR_DIR=str(ROOT / "var" / "prod-probe"))
    done = subprocess.run([PYTHON, "-c", _PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["session_secure"] and seen["csrf_secure"] and seen["session_httponly"]
    assert seen["hsts"] and "max-age=31536000" in seen["hsts"]
    assert seen["nosniff"] == "nosniff"
    assert seen["redirect"] == 301


def test_report_pages_carry_a_content_security_policy_and_nosniff(editor):
    client = Client()
    client.force_login(editor)
    page = client.get("/reports/")
    assert page.status_code == 200
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/admin/").headers["X-Frame-Options"] == "DENY"


def test_a_body_over_the_upload_limit_is_refused_without_a_server_error(editor, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    token = api_token_issue(username="edith", role=EDITOR)[1]
    body = json.dumps({"key": "too-big", "text": "x" * 10_000})
    answer = Client().post("/api/v1/claims/", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {token}")
    assert 400 <= answer.status_code < 500
    assert not Claim.objects.filter(key="too-big").exists()


def test_no_tracked_file_holds_a_private_key_or_a_token():
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, timeout=60, check=True)
    leaks = {}
    for name in filter(None, listed.stdout.decode().split("\0")):
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        found = secret_findings(path.read_text(errors="ignore"))
        if found:
            leaks[name] = found
    assert leaks == {}


def test_the_scan_recognises_what_it_looks_for():
    assert secret_findings("x = 'fct_" + "A" * 40 + "'") == ["api token"]
    assert secret_findings("-----BEGIN " + "RSA PRIVATE KEY-----") == ["private key"]
    assert secret_findings("postgres://app:" + "s3cretpass@db/claims") == ["password in a URL"]
    assert secret_findings("postgres://postgres@127.0.0.1:5432/factcheck") == []
    assert secret_findings("postgres://app:${POSTGRES_PASSWORD:-dev}@db/claims") == []


def test_an_issued_token_never_reaches_the_logs(editor, caplog):
    caplog.set_level(logging.DEBUG)
    token = api_token_issue(username="edith", role=EDITOR)[1]
    client = Client()
    client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Token {token}")
    client.post("/api/v1/claims/", "{not json", content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}")
    client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Token {token}x")
    client.get("/api/v1/nowhere/", HTTP_AUTHORIZATION=f"Token {token}")
    assert caplog.records, "the requests should have logged something for the check to mean anything"
    assert token not in caplog.text
    assert token[len("fct_"):] not in caplog.text


def test_tokens_and_passwords_are_stored_only_as_hashes(editor):
    stored, raw = api_token_issue(username="edith", role=EDITOR)
    row = ApiToken.objects.filter(pk=stored.pk).values().get()
    assert all(raw not in str(value) for value in row.values())
    assert len(row["digest"]) == 64
    password = User.objects.get(username="edith").password
    assert password.startswith(("pbkdf2_sha256$", "argon2$", "scrypt$", "bcrypt"))
    assert PASSWORD not in password
