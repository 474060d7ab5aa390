"""extract_chain, guess_source_kind and split_sentences (issue 7)."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.attribution_text import (
    SOURCE_KINDS,
    extract_chain,
    guess_source_kind,
    split_sentences,
)

PUBLISHED = datetime.date(2025, 8, 23)  # a Saturday

# Written for these tests in the manner of a wire report; no sentence is taken from the seed.
LAWMAKERS = (
    "Roughly 600 of the 15,000 soldiers sent by Pyongyang are now dead, lawmakers in Seoul "
    "said in April, citing Seoul's spy agency."
)


def links(sentence: str, published: datetime.date | None = PUBLISHED) -> list[tuple]:
    chain = extract_chain(sentence, published=published)
    for link in chain:
        assert sentence[link.start:link.end] == link.name
    return [(link.name, link.verb, link.date) for link in chain]


def test_lawmakers_said_in_april_citing_the_intelligence_agency():
    assert links(LAWMAKERS) == [
        ("lawmakers in Seoul", "said", "2025-04"),
        ("Seoul's spy agency", "citing", None),
    ]
    assert [guess_source_kind(name) for name, _, _ in links(LAWMAKERS)] == [
        "legislator", "intelligence_agency"]


def test_citing_set_off_by_commas_gives_the_same_chain():
    sentence = "Lawmakers in Seoul, citing the country's spy agency, said in April that 600 died."
    assert links(sentence) == [
        ("Lawmakers in Seoul", "said", "2025-04"),
        ("the country's spy agency", "citing", None),
    ]


def test_remarks_quoted_by_kcna_put_kcna_before_the_speaker():
    assert links("Kim said at the ceremony, in remarks quoted by KCNA, that the unit fought well.") == [
        ("KCNA", "quoted", None),
        ("Kim", "said", None),
    ]
    assert links("In remarks quoted by KCNA, Kim said the unit had fought with honour.") == [
        ("KCNA", "quoted", None),
        ("Kim", "said", None),
    ]


def test_reported_that_said_gives_the_reporter_then_the_speaker():
    assert links("KCNA reported that Kim said the mission had ended in victory.") == [
        ("KCNA", "reported", None),
        ("Kim", "said", None),
    ]


def test_according_to_is_outside_the_speaker():
    assert links("Officials said on August 12 that 300 had died, according to Yonhap.") == [
        ("Yonhap", "according", None),
        ("Officials", "said", "2025-08-12"),
    ]


def test_the_speaker_of_told_is_its_subject_and_a_media_audience_relays_it():
    assert links("Western officials told the BBC in mid-January that 1,000 had died.") == [
        ("BBC", "reported", None),
        ("Western officials", "told", "2025-01"),
    ]
    assert links("A spokesman told reporters the count was rising.") == [
        ("A spokesman", "told", None)]


def test_quoting_inside_commas_keeps_the_subject():
    assert links("The army, quoting a senior commander, said 40 soldiers were missing.") == [
        ("The army", "said", None),
        ("a senior commander", "quoted", None),
    ]


def test_citing_before_the_speaker_attaches_to_that_speaker():
    assert links("Citing data from the NIS, lawmakers said in September that losses grew.") == [
        ("lawmakers", "said", "2024-09"),  # September is after August: the year before
        ("NIS", "citing", None),
    ]


def test_said_on_friday_is_the_latest_friday_on_or_before_publication():
    assert links("The leader thanked the units, state television said on Friday.") == [
        ("state television", "said", "2025-08-22")]
    assert links("State media said on Saturday that the parade ended.") == [
        ("State media", "said", "2025-08-23")]


@pytest.mark.parametrize(("phrase", "date"), [
    ("in April", "2025-04"),
    ("in August", "2025-08"),
    ("in December", "2024-12"),
    ("in March 2023", "2023-03"),
    ("on 13 January", "2025-01-13"),
    ("on September 2", "2024-09-02"),
    ("on August 22, 2025", "2025-08-22"),
    ("in 2024", "2024"),
    ("yesterday", "2025-08-22"),
    ("last month", "2025-07"),
])
def test_the_date_of_a_statement_has_the_precision_the_sentence_gives(phrase, date):
    assert links(f"The ministry said {phrase} that 40 had died.") == [("The ministry", "said", date)]


def test_relative_dates_need_a_publication_date():
    assert links("The ministry said on Friday that 40 had died.", published=None) == [
        ("The ministry", "said", None)]
    assert links("The ministry said in 2024 that 40 had died.", published=None) == [
        ("The ministry", "said", "2024")]


def test_a_leading_date_belongs_to_the_first_speaker():
    assert links("On Friday, KCNA said the ceremony was held in Pyongyang.") == [
        ("KCNA", "said", "2025-08-22")]


def test_a_passive_report_names_its_agent():
    assert links("The ceremony was widely reported by state media on Friday.") == [
        ("state media", "reported", "2025-08-22")]


def test_an_inverted_quote_names_the_speaker_after_the_verb():
    assert links('"We will not retreat," said Kim Jong Un.') == [("Kim Jong Un", "said", None)]


@pytest.mark.parametrize("sentence", [
    "He said an estimated 600 had died.",
    "An estimated 600 troops were killed.",
    "It was reported that the toll rose.",
    "The troops returned home to a ceremony in Pyongyang.",
    "",
])
def test_no_name_means_no_link(sentence):
    assert extract_chain(sentence, published=PUBLISHED) == []


@pytest.mark.parametrize(("name", "kind"), [
    ("South Korean lawmakers", "legislator"),
    ("British MPs", "legislator"),
    ("the country's intelligence agency", "intelligence_agency"),
    ("Ukraine's intelligence service", "intelligence_agency"),
    ("Western officials", "anonymous_officials"),
    ("state media", "state_media"),
    ("KCNA", "state_media"),
    ("Reuters", "news_agency"),
    ("AP", "news_agency"),
    ("AFP", "news_agency"),
    ("the defence ministry", "government"),
    ("Kim Jong Un", "person"),
    ("Yoon Suk-yeol", "person"),
    ("BBC", "broadcaster"),
    ("The Washington Post", "news_outlet"),
    ("the National Assembly", "legislature"),
    ("the UN", "international_organization"),
    ("Human Rights Watch", "ngo"),
    ("the Institute for the Study of War", "research"),
    ("the army", "military"),
    ("@ReutersAsia", "social_media_account"),
    ("who", "other"),
    ("Kim", "other"),
])
def test_it_guesses_the_source_kind_from_the_name(name, kind):
    assert guess_source_kind(name) == kind


@given(st.text(max_size=80))
def test_guessed_kinds_are_always_schema_kinds(name):
    assert guess_source_kind(name) in SOURCE_KINDS


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def test_it_splits_sentences_but_not_after_titles_initials_or_decimals():
    text = ("Mr. Kim met Gen. Park in the U.S. on Friday. The toll rose to 1.5 million! "
            'Was it true? "Yes," he said. No. 5 was next. Kim J. Un spoke.\n\nA new paragraph')
    assert sentences(text) == [
        "Mr. Kim met Gen. Park in the U.S. on Friday.",
        "The toll rose to 1.5 million!",
        "Was it true?",
        '"Yes," he said.',
        "No. 5 was next.",
        "Kim J. Un spoke.",
        "A new paragraph",
    ]


def test_a_lowercase_word_after_a_stop_continues_the_sentence():
    assert sentences('the forces... proved their worth. "Why?" he asked.') == [
        "the forces... proved their worth.", '"Why?" he asked.']


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_sentence_spans_are_ordered_trimmed_and_never_raise(text):
    previous = 0
    for a, b in split_sentences(text):
        assert previous <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
        previous = b


@settings(max_examples=200, deadline=None)
@given(st.text(), st.dates())
def test_extraction_never_raises_and_offsets_slice_back(sentence, published):
    for link in extract_chain(sentence, published=published):
        assert sentence[link.start:link.end] == link.name
        assert link.date is None or link.date[:1].isdigit()
