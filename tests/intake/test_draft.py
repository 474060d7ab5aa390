"""intake_draft: from an article's text to a draft bundle, against the stored sources and metrics."""

from __future__ import annotations

from decimal import Decimal

import pytest

from claims.bundle.errors import BundleInvalid
from claims.bundle.validation import bundle_validate
from claims.intake import MAX_TEXT_CHARS, intake_draft
from claims.models import Claim, Metric
from sources.models import Document, Source
from tests.intake.conftest import AGE_AND_DATE, ARTICLE, LAWMAKERS, NOTHING, PUBLISHED, SPEECH


def draft_of(text: str, **fields):
    return intake_draft(text=text, publisher=fields.pop("publisher", "wire"), published=PUBLISHED, **fields)


def claim_for(draft, sentence: str) -> dict:
    [claim] = [c for c in draft.claims if c["text"] == sentence]
    return claim


def chain_of(claim: dict) -> list[tuple]:
    [attribution] = claim["attributions"]
    return [(link["source"], link.get("verb"), link.get("date")) for link in attribution["chain"]]


def proposed(draft, key: str) -> dict:
    [record] = [r for r in [*draft.bundle["sources"], *draft.bundle["metrics"]] if r["key"] == key]
    return record


def test_it_reads_figures_and_the_chain_of_a_lawmakers_sentence(wire, nis):
    draft = draft_of(LAWMAKERS)
    [claim] = draft.claims
    deaths, force = claim["figures"]
    assert (deaths["qualifier"], deaths["value"], deaths["text"], deaths["as_of"]) == (
        "approximate", 600, "About 600", "2025-04")
    assert (force["qualifier"], force["value"], force["as_of"]) == ("exact", 15000, "2025-04")
    doc_key = draft.bundle["documents"][0]["key"]
    assert chain_of(claim) == [
        ("wire", "reported", PUBLISHED),
        ("south-korean-lawmakers", "said", "2025-04"),
        ("nis", "citing", None),  # matched through the alias "South Korea's spy agency"
    ]
    assert claim["attributions"][0]["chain"][0]["document"] == doc_key
    assert proposed(draft, "south-korean-lawmakers")["kind"] == "legislator"
    assert claim["status"] == "unreviewed"


def test_an_unknown_intelligence_agency_becomes_a_proposed_source(wire):
    draft = draft_of(LAWMAKERS)
    origin = chain_of(draft.claims[0])[-1]
    assert origin[1] == "citing"
    record = proposed(draft, origin[0])
    assert record == {"key": "south-koreas-spy-agency", "name": "South Korea's spy agency",
                      "kind": "intelligence_agency"}


def test_a_speech_quoted_by_kcna_puts_kcna_between_the_publisher_and_the_speaker(wire):
    kcna = Source.objects.create(key="kcna", name="Korean Central News Agency", kind="state_media", aliases="KCNA")
    draft = draft_of(SPEECH)
    [claim] = draft.claims
    assert chain_of(claim) == [("wire", "reported", PUBLISHED), (kcna.key, "quoted", None), ("kim", "said", None)]
    assert "figures" not in claim
    assert [s["key"] for s in draft.bundle["sources"]] == ["kim"]


def test_an_age_and_a_date_are_not_counted(wire):
    draft = draft_of(AGE_AND_DATE)
    [claim] = draft.claims  # drafted for its attribution only
    assert "figures" not in claim
    assert draft.bundle["metrics"] == []
    assert chain_of(claim)[1][:2] == ("state-media", "said")


def test_sentences_without_figure_or_attribution_give_no_claim_and_keys_follow_sentence_numbers(wire):
    draft = draft_of(ARTICLE, title="Leader honours returning troops")
    doc_key = draft.bundle["documents"][0]["key"]
    assert NOTHING not in [c["text"] for c in draft.claims]
    assert [c["key"] for c in draft.claims] == [f"{doc_key}-s2", f"{doc_key}-s3", f"{doc_key}-s4"]
    assert [s.index for s in draft.sentences] == [2, 3, 4]
    assert doc_key == "wire-2025-08-23-leader-honours-returning-troops"


def test_the_draft_is_a_valid_bundle_that_refers_to_stored_records(wire, nis, killed):
    draft = draft_of(ARTICLE, url="https://wire.example/nk", title="Troops honoured")
    assert bundle_validate(draft.bundle) == []
    document = draft.bundle["documents"][0]
    assert (document["text"], document["publisher"], document["url"]) == (ARTICLE, "wire", "https://wire.example/nk")
    # Stored records are referred to, never repeated: importing the draft must not rewrite them.
    keys = {r["key"] for section in ("sources", "metrics") for r in draft.bundle[section]}
    assert not keys & {"wire", "nis", "nk-killed"}


def test_drafting_writes_nothing(wire):
    counts = (Source.objects.count(), Document.objects.count(), Claim.objects.count(), Metric.objects.count())
    draft_of(ARTICLE)
    assert (Source.objects.count(), Document.objects.count(), Claim.objects.count(),
            Metric.objects.count()) == counts


def test_a_figure_lands_on_a_stored_metric_with_the_same_words(wire, killed):
    draft = draft_of(LAWMAKERS)
    deaths, force = draft.claims[0]["figures"]
    assert deaths["metric"] == "nk-killed"  # "soldiers have died" is "troops killed"
    assert force["metric"] == "north-korean-soldiers-deployed"
    assert proposed(draft, force["metric"])["cumulative"] is False


def test_new_metrics_are_named_from_the_noun_and_deaths_are_cumulative(wire):
    draft = draft_of(LAWMAKERS)
    deaths = draft.claims[0]["figures"][0]
    assert deaths["metric"] == "north-korean-soldiers-killed"
    assert proposed(draft, deaths["metric"]) == {
        "key": "north-korean-soldiers-killed", "name": "North Korean soldiers killed", "cumulative": True}


def test_a_metric_about_another_outcome_is_not_matched(wire):
    Metric.objects.create(key="nk-deployed", name="North Korean troops deployed")
    draft = draft_of(LAWMAKERS)
    deaths, force = draft.claims[0]["figures"]
    assert force["metric"] == "nk-deployed"
    assert deaths["metric"] != "nk-deployed"


def test_a_name_repeated_across_sentences_is_proposed_once(wire):
    text = "Officials said 40 soldiers were wounded. Officials said 12 soldiers were missing."
    draft = draft_of(text)
    assert [s["key"] for s in draft.bundle["sources"]] == ["officials"]
    assert {chain_of(c)[1][0] for c in draft.claims} == {"officials"}


def test_the_publisher_named_in_its_own_article_is_not_a_second_link(wire):
    draft = draft_of("GW reported that 300 soldiers were captured.")
    assert chain_of(draft.claims[0]) == [("wire", "reported", PUBLISHED)]
    assert draft.bundle["sources"] == []


def test_keys_already_stored_are_not_proposed_again(wire):
    Source.objects.create(key="officials", name="Officials of another country", kind="anonymous_officials")
    Document.objects.create(key="wire-2025-08-23", title="An earlier intake")
    draft = draft_of("Officials said 40 soldiers were wounded.")
    assert draft.bundle["documents"][0]["key"] == "wire-2025-08-23-2"
    assert draft.bundle["sources"][0]["key"] == "officials-2"
    assert draft.claims[0]["key"] == "wire-2025-08-23-2-s1"


def test_a_range_and_a_percent_keep_their_bounds_and_unit(wire):
    draft = draft_of("Between 100 and 200 civilians were evacuated, officials told the BBC on Friday. "
                     "More than 20 percent of the 3,000 wounded soldiers were flown home, according to Yonhap.")
    evacuated, share = draft.claims
    [figure] = evacuated["figures"]
    assert (figure["qualifier"], figure["lower"], figure["upper"]) == ("range", 100, 200)
    assert chain_of(evacuated)[1:] == [("bbc", "reported", None), ("officials", "told", "2025-08-22")]
    assert figure["as_of"] == "2025-08-22"
    percent = share["figures"][0]
    assert (percent["qualifier"], percent["value"]) == ("more_than", 20)
    assert proposed(draft, percent["metric"])["unit"] == "percent"
    assert proposed(draft, percent["metric"])["name"] == "share of wounded soldiers"


def test_a_decimal_figure_keeps_every_digit(wire):
    draft = draft_of("Officials said 2.75 million people were displaced.")
    assert draft.claims[0]["figures"][0]["value"] == Decimal("2750000")


@pytest.mark.parametrize(("fields", "path"), [
    ({"text": "   "}, "text"),
    ({"text": "x" * (MAX_TEXT_CHARS + 1)}, "text"),
    ({"publisher": "nobody"}, "publisher"),
    ({"published": "2025-02-30"}, "published"),
    ({"published": "August 2025"}, "published"),
    ({"url": "not a url"}, "url"),
    ({"title": "t" * 501}, "title"),
])
def test_bad_input_is_refused_by_field(wire, fields, path):
    args = {"text": LAWMAKERS, "publisher": "wire", "published": PUBLISHED, **fields}
    with pytest.raises(BundleInvalid) as caught:
        intake_draft(**args)
    assert [error.path for error in caught.value.errors] == [path]


def test_names_match_whatever_their_case_and_apostrophe(wire, nis):
    draft = draft_of("Lawmakers said in April, citing SOUTH KOREA\u2019S SPY AGENCY, that 600 soldiers were killed.")
    assert chain_of(draft.claims[0])[-1] == ("nis", "citing", None)
