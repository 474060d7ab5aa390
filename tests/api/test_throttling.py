import time
from types import SimpleNamespace

import pytest

from accounts.roles import RESEARCHER
from accounts.tokens import api_token_issue
from claims.api import throttling

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings, monkeypatch):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/min", "anon": "2/min"}
    }
    # The counters are per minute-long window: the throttle's clock stands still in the middle of
    # this minute, so that no test's requests straddle two windows (a fresh budget) by chance.
    middle = (int(time.time()) // 60) * 60 + 30
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: middle))


def test_a_token_over_its_rate_gets_429_with_retry_after(callers, low_rates):
    researcher = callers["researcher"]
    assert [researcher.get("/api/v1/claims/").status_code for _ in range(3)] == [200, 200, 200]
    response = researcher.get("/api/v1/claims/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 30  # the rest of the window
    assert response.json()["errors"][0]["message"]


def test_each_token_has_its_own_budget(callers, low_rates):
    _, second = api_token_issue(username="rita", role=RESEARCHER)
    for _ in range(3):
        callers["researcher"].get("/api/v1/claims/")
    assert callers["researcher"].get("/api/v1/claims/").status_code == 429
    other = callers["researcher"].client.get("/api/v1/claims/", HTTP_AUTHORIZATION=f"Token {second}")
    assert other.status_code == 200


def test_anonymous_callers_and_token_guesses_are_throttled_by_address(callers, low_rates):
    anonymous = callers["anonymous"]
    statuses = [
        anonymous.get("/api/v1/claims/").status_code,
        anonymous.client.get("/api/v1/claims/", HTTP_AUTHORIZATION="Token fct_guess").status_code,
        anonymous.get("/api/v1/claims/").status_code,
    ]
    assert statuses == [401, 401, 429]
    # An authenticated caller from the same address is counted on its token, not the address.
    assert callers["editor"].get("/api/v1/claims/").status_code == 200


def test_a_forged_forwarded_for_does_not_give_an_anonymous_caller_a_fresh_bucket(settings):
    from django.test import RequestFactory

    from claims.api.throttling import AnonymousRateThrottle

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    throttle = AnonymousRateThrottle()
    request = RequestFactory().get("/api/v1/claims/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert throttle.get_ident(request) == "203.0.113.7"
