"""A newsroom with the sources an intake meets, and callers of every role."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.roles import API_CONSUMER, EDITOR, RESEARCHER
from accounts.tokens import api_token_issue
from claims.models import Metric
from sources.models import Source

PUBLISHED = "2025-08-23"

# Written for these tests after the seed article's shapes; no sentence is copied from it.
LAWMAKERS = (
    "About 600 North Korean soldiers have died fighting for Moscow, from a force of 15,000 sent to the "
    "front, South Korean lawmakers said in April, citing South Korea's spy agency."
)
SPEECH = "Kim said in an address quoted by KCNA that the mission had ended in triumph."
AGE_AND_DATE = "The 41-year-old leader met the returning units on August 22, 2025, state media said."
NOTHING = "The ceremony took place in the capital under grey skies."
ARTICLE = " ".join([NOTHING, SPEECH, LAWMAKERS, AGE_AND_DATE])


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def wire(db) -> Source:
    return Source.objects.create(key="wire", name="Global Wire", kind="news_agency", aliases="GW")


@pytest.fixture
def nis(db) -> Source:
    return Source.objects.create(
        key="nis", name="National Intelligence Service", kind="intelligence_agency", country="KR",
        aliases="NIS\nSouth Korea's spy agency",
    )


@pytest.fixture
def killed(db) -> Metric:
    return Metric.objects.create(key="nk-killed", name="North Korean troops killed", unit="people", cumulative=True)


@dataclass
class Caller:
    token: str | None
    client: Client

    def post(self, path: str, body, **extra):
        headers = {"HTTP_AUTHORIZATION": f"Token {self.token}"} if self.token else {}
        data = body if isinstance(body, (str, bytes)) else json.dumps(body)
        return self.client.post(path, data=data, content_type="application/json", **headers, **extra)


@pytest.fixture
def callers(db) -> dict[str, Caller]:
    tokens = {
        "anonymous": None,
        "researcher": api_token_issue(username="rita", role=RESEARCHER)[1],
        "consumer": api_token_issue(username="dash", role=API_CONSUMER)[1],
        "consumer_writer": api_token_issue(username="feed", role=API_CONSUMER, can_write=True)[1],
        "editor": api_token_issue(username="eddie", role=EDITOR)[1],
    }
    return {role: Caller(token, Client()) for role, token in tokens.items()}
