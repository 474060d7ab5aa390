"""A small demo-like dataset built with the ORM: the Reuters report of the lawmakers citing the NIS,
KCNA quoting Kim Jong Un, and an earlier BBC figure that conflicts with the Reuters one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import API_CONSUMER, EDITOR, RESEARCHER, ensure_roles
from claims.models import Attribution, AttributionLink, Claim, Figure, Flag, Metric, Tag
from sources.models import Document, Source


def add_chain(claim: Claim, position: int, *links: dict) -> Attribution:
    attribution = Attribution.objects.create(claim=claim, position=position)
    for index, link in enumerate(links):
        AttributionLink.objects.create(attribution=attribution, position=index, **link)
    return attribution


@pytest.fixture
def demo(db) -> SimpleNamespace:
    reuters = Source.objects.create(key="reuters", name="Reuters", kind="news_agency", country="GB", reliability="B")
    reuters_asia = Source.objects.create(key="reuters-asia", name="Reuters Asia", kind="news_agency", parent=reuters)
    lawmakers = Source.objects.create(key="sk-lawmakers", name="South Korean lawmakers", kind="legislator",
                                      country="KR", reliability="C")
    nis = Source.objects.create(key="nis", name="National Intelligence Service", kind="intelligence_agency",
                                country="KR", reliability="B")
    kcna = Source.objects.create(key="kcna", name="KCNA", kind="state_media", country="KP", reliability="E",
                                 aliases="Korean Central News Agency")
    kim = Source.objects.create(key="kim-jong-un", name="Kim Jong Un", kind="person", country="KP")
    bbc = Source.objects.create(key="bbc", name="BBC", kind="broadcaster", country="GB", reliability="A")
    officials = Source.objects.create(key="western-officials", name="Western officials",
                                      kind="anonymous_officials", reliability="F")

    article = Document.objects.create(
        key="reuters-kim-ceremony", title="Kim honours troops who fought for Russia",
        url="https://www.reuters.com/world/asia-pacific/kim-ceremony-2025-08-22/", publisher=reuters_asia,
        published=dt.date(2025, 8, 22), published_precision="day")
    kcna_report = Document.objects.create(
        key="kcna-ceremony", title="National commendation ceremony for the overseas operations unit",
        url="http://kcna.kp/en/article/ceremony", publisher=kcna, published=dt.date(2025, 8, 22),
        published_precision="day")
    bbc_story = Document.objects.create(
        key="bbc-mid-january", title="About 1,000 North Korean troops killed, officials say",
        url="https://www.bbc.co.uk/news/world-asia-1000", publisher=bbc, published=dt.date(2025, 1, 15),
        published_precision="day")

    killed = Metric.objects.create(key="nk-troops-killed", name="North Korean troops killed fighting for Russia",
                                   unit="people", cumulative=True)
    deployed = Metric.objects.create(key="nk-troops-deployed", name="North Korean troops deployed to Russia",
                                     unit="people")
    war = Tag.objects.create(name="russia-ukraine")

    editor = get_user_model().objects.create_user("edith", password="pw-edith-123")
    nk600 = Claim.objects.create(
        key="nk-killed-600", status="accurate", verdict_by=editor,
        verdict_at=dt.datetime(2025, 9, 1, 12, tzinfo=dt.UTC), verdict_summary="The lawmakers did say so in April.",
        text="About 600 North Korean troops have been killed fighting for Russia against Ukraine out of a total "
             "deployment of 15,000, South Korean lawmakers said in April, citing the country's intelligence agency")
    nk600.tags.add(war)
    Figure.objects.create(claim=nk600, position=0, metric=killed, qualifier="approximate", value=Decimal(600),
                          as_of=dt.date(2025, 4, 1), as_of_precision="month", text="About 600")
    Figure.objects.create(claim=nk600, position=1, metric=deployed, qualifier="exact", value=Decimal(15000),
                          as_of=dt.date(2025, 4, 1), as_of_precision="month", text="15,000")
    add_chain(nk600, 0,
              {"source": reuters_asia, "document": article, "verb": "reported", "date": dt.date(2025, 8, 22),
               "date_precision": "day"},
              {"source": lawmakers, "verb": "said", "date": dt.date(2025, 4, 1), "date_precision": "month"},
              {"source": nis, "verb": "citing"})

    heroic = Claim.objects.create(
        key="kim-heroic-army", status="unreviewed",
        text="The combat activities of the overseas operational forces proved the power of the heroic army")
    add_chain(heroic, 0,
              {"source": kcna, "document": kcna_report, "verb": "quoted", "date": dt.date(2025, 8, 22),
               "date_precision": "day"},
              {"source": kim, "verb": "said"})

    bbc1000 = Claim.objects.create(key="bbc-killed-1000", status="unreviewed",
                                   text="Around 1,000 North Korean soldiers have been killed by mid-January")
    Figure.objects.create(claim=bbc1000, position=0, metric=killed, qualifier="approximate", value=Decimal(1000),
                          as_of=dt.date(2025, 1, 15), as_of_precision="day", text="Around 1,000")
    add_chain(bbc1000, 0,
              {"source": bbc, "document": bbc_story, "verb": "reported", "date": dt.date(2025, 1, 15),
               "date_precision": "day"},
              {"source": officials, "verb": "said"})

    fig600 = nk600.figures.get(position=0)
    fig1000 = bbc1000.figures.get(position=0)
    Flag.objects.create(kind="conflict", code="cumulative_decrease", metric=killed, claim_a=nk600, claim_b=bbc1000,
                        figure_a=fig600, figure_b=fig1000,
                        explanation="About 600 in April 2025 lies below around 1,000 in mid-January 2025.")
    Flag.objects.create(kind="unverified", code="single_origin", claim_a=heroic,
                        explanation="Only KCNA's account of the speech.")
    Flag.objects.create(kind="unverified", code="no_document", claim_a=bbc1000, status="resolved")
    return SimpleNamespace(**locals())


@pytest.fixture
def users(db) -> SimpleNamespace:
    groups = ensure_roles()
    made = {}
    for role in (EDITOR, RESEARCHER, API_CONSUMER):
        user = get_user_model().objects.create_user(f"{role}-user", password="pw-secret-123")
        user.groups.add(groups[role])
        made[role] = user
    return SimpleNamespace(editor=made[EDITOR], researcher=made[RESEARCHER], consumer=made[API_CONSUMER])


SCRIPT_TEXT = '<script>alert("x")</script> =HYPERLINK("http://evil.example","click") & more'


@pytest.fixture
def hostile(demo) -> Claim:
    """A claim whose text, source name and figure words try markup and spreadsheet formulas."""
    source = Source.objects.create(key="hostile", name='<img src=x onerror=alert(1)>', kind="other",
                                   reliability="D")
    doc = Document.objects.create(key="hostile-doc", title="+cmd|' /C calc'!A0", url="https://example.org/x",
                                  publisher=source, published=dt.date(2025, 3, 1), published_precision="day")
    claim = Claim.objects.create(key="hostile-claim", text=SCRIPT_TEXT, status="false",
                                 verdict_at=dt.datetime(2025, 3, 5, tzinfo=dt.UTC))
    Figure.objects.create(claim=claim, metric=demo.killed, qualifier="at_least", value=Decimal(700),
                          as_of=dt.date(2025, 3, 1), as_of_precision="month", text="<b>at least</b> 700")
    add_chain(claim, 0, {"source": source, "document": doc, "verb": "-said", "date": dt.date(2025, 3, 1),
                         "date_precision": "day"})
    return claim
