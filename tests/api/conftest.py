"""Callers of every role with real tokens, and a small newsroom to read and write."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client

from accounts.roles import API_CONSUMER, EDITOR, RESEARCHER
from accounts.tokens import api_token_issue
from claims.models import Attribution, AttributionLink, Claim, Figure, Flag, Metric, Tag
from sources.models import Document, Source

ROLES = ("anonymous", "researcher", "consumer", "consumer_writer", "editor")


@dataclass
class Caller:
    """A client that sends one role's token with every request."""

    name: str
    token: str | None
    client: Client

    def call(self, method: str, path: str, body=None, **headers):
        kwargs = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
        if self.token:
            kwargs["HTTP_AUTHORIZATION"] = f"Token {self.token}"
        if body is not None:
            kwargs["data"] = body if isinstance(body, (str, bytes)) else json.dumps(body)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method.lower())(path, **kwargs)

    def get(self, path: str, **headers):
        return self.call("GET", path, **headers)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counters live in the cache; each test starts with a full budget.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def callers(db) -> dict[str, Caller]:
    tokens = {
        "researcher": api_token_issue(username="rita", role=RESEARCHER)[1],
        "consumer": api_token_issue(username="dash", role=API_CONSUMER)[1],
        "consumer_writer": api_token_issue(username="feed", role=API_CONSUMER, can_write=True)[1],
        "editor": api_token_issue(username="eddie", role=EDITOR)[1],
    }
    return {role: Caller(role, tokens.get(role), Client()) for role in ROLES}


@pytest.fixture
def editor(callers) -> Caller:
    return callers["editor"]


@pytest.fixture
def newsroom(db) -> dict:
    """The seed article's chain: Reuters -> South Korean lawmakers -> NIS, about 600 killed."""
    reuters = Source.objects.create(key="reuters", name="Reuters", kind="news_agency", reliability="B")
    lawmakers = Source.objects.create(key="kr-lawmakers", name="South Korean lawmakers", kind="legislator")
    nis = Source.objects.create(
        key="nis", name="National Intelligence Service", kind="intelligence_agency", country="KR", parent=None
    )
    article = Document.objects.create(
        key="reuters-2025-08-22", title="North Korea honours troops", publisher=reuters,
        published=dt.date(2025, 8, 22), published_precision="day",
    )
    killed = Metric.objects.create(key="nk-killed", name="North Korean troops killed", unit="people", cumulative=True)
    claim = Claim.objects.create(key="about-600-killed", text="About 600 North Korean troops have been killed")
    claim.tags.add(Tag.objects.create(name="north-korea"))
    Figure.objects.create(
        claim=claim, metric=killed, qualifier="approximate", value=Decimal("600"),
        as_of=dt.date(2025, 4, 1), as_of_precision="month", text="About 600",
    )
    chain = Attribution.objects.create(claim=claim)
    AttributionLink.objects.create(attribution=chain, position=0, source=reuters, document=article, verb="reported")
    AttributionLink.objects.create(
        attribution=chain, position=1, source=lawmakers, verb="said", date=dt.date(2025, 4, 1), date_precision="month"
    )
    AttributionLink.objects.create(attribution=chain, position=2, source=nis, verb="citing")
    bare = Claim.objects.create(key="bare-claim", text="A claim nobody attributed", status="in_review")
    flag = Flag.objects.create(
        kind="unverified", code="no_attribution", claim_a=bare, explanation="No chain of attribution."
    )
    return {
        "reuters": reuters, "lawmakers": lawmakers, "nis": nis, "article": article, "metric": killed,
        "claim": claim, "bare": bare, "flag": flag,
    }
