import pytest

from tests.admin import factories as make


@pytest.fixture
def korea_example(db) -> dict:
    """The seed story in miniature: Reuters -> South Korean lawmakers -> NIS, on a cumulative metric."""
    reuters = make.source("Reuters", kind="news_agency", reliability="B")
    reuters_asia = make.source("Reuters Asia", kind="news_agency", parent=reuters)
    lawmakers = make.source("South Korean lawmakers", kind="legislator", country="KR")
    nis = make.source("National Intelligence Service", kind="intelligence_agency", country="KR",
                      aliases="NIS\nSouth Korean spy agency", reliability="C")
    article = make.document("North Korea lost about 600 troops", published="2025-04-30", publisher=reuters)
    killed = make.metric("North Korean troops killed", unit="people", cumulative=True)
    claim = make.claim("About 600 North Korean troops have been killed fighting for Russia", tags=("korea",))
    make.figure(claim, killed, "600", as_of="2025-04", text="About 600")
    chain = make.chain(claim, reuters_asia, lawmakers, nis, documents={0: article})
    return {
        "reuters": reuters, "reuters_asia": reuters_asia, "lawmakers": lawmakers, "nis": nis,
        "article": article, "killed": killed, "claim": claim, "chain": chain,
    }
