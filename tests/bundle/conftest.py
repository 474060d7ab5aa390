import copy
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

SHARED = Path(__file__).resolve().parents[2].parent / "shared"

BASE = {
    "format": "factcheck-bundle/1",
    "sources": [
        {"key": "reuters", "name": "Reuters", "kind": "news_agency", "reliability": "B"},
        {"key": "reuters-asia", "name": "Reuters Asia", "kind": "social_media_account", "parent": "reuters"},
        {"key": "lawmakers", "name": "South Korean lawmakers", "kind": "legislator", "country": "KR"},
        {"key": "nis", "name": "National Intelligence Service", "kind": "intelligence_agency", "country": "KR",
         "aliases": ["NIS", "South Korea's intelligence agency"]},
    ],
    "documents": [
        {"key": "article", "title": "Kim honours troops", "publisher": "reuters", "published": "2025-08-22",
         "language": "en", "text": "A short summary."},
    ],
    "metrics": [
        {"key": "killed", "name": "Troops killed", "unit": "people", "cumulative": True},
        {"key": "deployed", "name": "Troops deployed", "unit": "people", "tolerance": 0.25, "window_days": 60},
    ],
    "claims": [
        {
            "key": "six-hundred",
            "text": "About 600 killed out of 15,000 deployed",
            "status": "in_review",
            "tags": ["russia", "casualties"],
            "figures": [
                {"metric": "killed", "qualifier": "approximate", "value": 600, "as_of": "2025-04", "text": "About 600"},
                {"metric": "deployed", "qualifier": "exact", "value": 15000},
            ],
            "attributions": [
                {"chain": [
                    {"source": "reuters", "document": "article", "verb": "reported", "date": "2025-08-22"},
                    {"source": "lawmakers", "verb": "said", "date": "2025-04"},
                    {"source": "nis", "verb": "citing"},
                ]},
            ],
        },
        {
            "key": "range-claim",
            "text": "Between 250.5 and 300 killed",
            "figures": [{"metric": "killed", "qualifier": "range", "lower": 250.5, "upper": 300, "as_of": "2025"}],
        },
    ],
}


@pytest.fixture
def bundle():
    return copy.deepcopy(BASE)


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_user(username="ed", password="x-irrelevant-123")
