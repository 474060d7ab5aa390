"""From an article's text to a draft bundle: the document, proposed sources and metrics, and one
unreviewed claim per sentence that states a figure or an attribution. Nothing is written here:
the draft goes to an editor (admin page), a caller (API) or a file (CLI), and only what an
editor accepts is imported (claims.intake.accept)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from claims.attribution_text import ProposedLink, extract_chain, guess_source_kind, split_sentences
from claims.bundle.errors import BundleError, BundleInvalid
from claims.bundle.exporter import number
from claims.bundle.schema import FORMAT
from claims.figures import ParsedFigure, parse_figures
from claims.intake.lookups import KeyAllocator, key_slug, metric_by_words, normalise_name, source_by_name
from claims.intake.metrics import propose_metric
from claims.models import CLAIM_TEXT_MAX, Claim, ClaimStatus, Metric
from sources.dates import PartialDateError, parse_partial_date, period_of
from sources.models import Document, Source

# An article runs to tens of kilobytes; a megabyte of text is a book or a mistake, and the
# parsers' cost, while linear, should stay well under a second per draft.
MAX_TEXT_CHARS = 1_000_000
TITLE_MAX = 500
URL_MAX = 1000
NAME_MAX = 300
FIGURE_TEXT_MAX = 300
CHAIN_MAX = 20
LANGUAGE = "en"  # the parsers read English only
PUBLISHER_VERB = "reported"


@dataclass(frozen=True)
class DraftSentence:
    """Where a draft claim came from: the sentence (``index`` counts from 1 in the article) and
    the spans of its figures within it, for highlighting."""

    index: int
    text: str
    claim_key: str
    figure_spans: tuple[tuple[int, int], ...]


@dataclass
class IntakeDraft:
    """A factcheck-bundle/1 ``bundle`` (valid, with references to stored records) and notes."""

    bundle: dict[str, Any]
    sentences: list[DraftSentence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def claims(self) -> list[dict[str, Any]]:
        return self.bundle["claims"]


def intake_draft(*, text: str, publisher: str, published: str, url: str = "", title: str = "") -> IntakeDraft:
    """Draft the claims of an article. Raises BundleInvalid naming every bad field
    (``text``, ``publisher``, ``published``, ``url``, ``title``) and then drafts nothing."""
    source, anchor = _checked_inputs(text=text, publisher=publisher, published=published, url=url, title=title)
    return _Drafter(publisher=source, published=published, anchor=anchor).run(text=text, url=url, title=title)


def _checked_inputs(*, text: str, publisher: str, published: str, url: str, title: str) -> tuple[Source, dt.date]:
    errors: list[BundleError] = []
    if not isinstance(text, str) or not text.strip():
        errors.append(BundleError("text", "paste the article's text: it is empty"))
    elif len(text) > MAX_TEXT_CHARS:
        errors.append(BundleError("text", f"is {len(text):,} characters long; the limit is {MAX_TEXT_CHARS:,}"))
    source = Source.objects.filter(key=publisher).first() if isinstance(publisher, str) and publisher else None
    if source is None:
        errors.append(BundleError("publisher", f"no source has the key {publisher!r}: add the publisher first"))
    anchor = None
    try:
        day, precision = parse_partial_date(published)
        anchor = period_of(day, precision).last  # "in April" is read as the latest April up to then
    except (PartialDateError, TypeError):
        errors.append(BundleError("published", f"{published!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD"))
    if url:
        try:
            if len(url) > URL_MAX:
                raise ValidationError("too long")
            URLValidator()(url)
        except ValidationError:
            errors.append(BundleError("url", f"is not an http(s) URL of at most {URL_MAX} characters"))
    if title and len(title) > TITLE_MAX:
        errors.append(BundleError("title", f"must be at most {TITLE_MAX} characters long"))
    if errors:
        raise BundleInvalid(errors)
    return source, anchor  # type: ignore[return-value]


class _Drafter:
    """One draft: caches names and metrics already resolved, so that a name repeated in fifty
    sentences costs one lookup and becomes one proposed source."""

    def __init__(self, *, publisher: Source, published: str, anchor: dt.date) -> None:
        self.publisher = publisher
        self.published = published
        self.anchor = anchor
        self.keys = KeyAllocator()
        self.sources: list[dict[str, Any]] = []
        self.metrics: list[dict[str, Any]] = []
        self._source_keys: dict[str, str] = {normalise_name(publisher.name): publisher.key}
        self._metric_keys: dict[str, str] = {}

    def run(self, *, text: str, url: str, title: str) -> IntakeDraft:
        spans = split_sentences(text)
        doc_key = self._document_key(title)
        document = {
            "key": doc_key,
            "title": (title.strip() or self._fallback_title())[:TITLE_MAX],
            "publisher": self.publisher.key,
            "published": self.published,
            "language": LANGUAGE,
            "text": text,
        }
        if url:
            document["url"] = url
        draft = IntakeDraft(bundle={})
        claims: list[dict[str, Any]] = []
        for index, (start, end) in enumerate(spans, start=1):
            sentence = text[start:end]
            figures = [f for f in parse_figures(sentence) if not _is_pronoun_one(f)]
            links = extract_chain(sentence, published=self.anchor)
            if not figures and not links:
                continue
            if len(sentence) > CLAIM_TEXT_MAX:
                draft.notes.append(f"sentence {index} is longer than {CLAIM_TEXT_MAX} characters: left out")
                continue
            key = f"{doc_key}-s{index}"
            claims.append(self._claim(key, sentence, figures, links, doc_key))
            draft.sentences.append(
                DraftSentence(index, sentence, key, tuple((f.start, f.end) for f in figures))
            )
        draft.bundle = {
            "format": FORMAT, "sources": self.sources, "documents": [document], "metrics": self.metrics,
            "claims": claims,
        }
        return draft

    def _fallback_title(self) -> str:
        return f"{self.publisher.name}, {self.published}"

    def _document_key(self, title: str) -> str:
        base = key_slug(f"{self.publisher.key} {self.published} {title}", fallback="article", max_length=70)

        def claims_use(key: str) -> bool:
            # Draft claim keys are the document key plus "-s<n>": the prefix must be free too.
            return Claim.objects.filter(key__startswith=f"{key}-s").exists()

        return self.keys.allocate(Document, base, also_taken=claims_use)

    # -- one claim ------------------------------------------------------------------------------
    def _claim(self, key: str, sentence: str, figures: list[ParsedFigure], links: list[ProposedLink],
               doc_key: str) -> dict[str, Any]:
        chain = [{"source": self.publisher.key, "document": doc_key, "verb": PUBLISHER_VERB, "date": self.published}]
        for link in links:
            source_key = self._source_key(link.name)
            if source_key == chain[-1]["source"]:
                continue  # "Reuters reported" inside a Reuters article: one link, not two
            entry = {"source": source_key, "verb": link.verb[:50]}
            if link.date:
                entry["date"] = link.date
            chain.append(entry)
        # The figure is as of when it was said: the innermost dated link ("said in April").
        as_of = next((link.date for link in reversed(links) if link.date), None)
        record: dict[str, Any] = {"key": key, "text": sentence, "status": ClaimStatus.UNREVIEWED.value}
        if figures:
            record["figures"] = self._figures(sentence, figures, as_of)
        record["attributions"] = [{"chain": chain[:CHAIN_MAX]}]
        return record

    def _figures(self, sentence: str, figures: list[ParsedFigure], as_of: str | None) -> list[dict[str, Any]]:
        out = []
        noun = None
        for i, figure in enumerate(figures):
            # "600 troops ... out of 15,000": a number without a noun counts the last thing named;
            # "20 percent of the 3,000 soldiers": or, first in the sentence, the next thing named.
            noun = figure.noun or noun or next((f.noun for f in figures[i + 1:] if f.noun), None)
            following = figures[i + 1].start if i + 1 < len(figures) else None
            record: dict[str, Any] = {
                "metric": self._metric_key(propose_metric(sentence, figure, noun=noun, next_start=following)),
                "qualifier": figure.qualifier,
            }
            if figure.qualifier == "range":
                record["lower"], record["upper"] = number(figure.lower), number(figure.upper)
            else:
                record["value"] = number(figure.value)
            if as_of:
                record["as_of"] = as_of
            record["text"] = figure.text[:FIGURE_TEXT_MAX]
            out.append(record)
        return out

    # -- names and metrics ------------------------------------------------------------------------
    def _source_key(self, name: str) -> str:
        wanted = normalise_name(name)
        if wanted in self._source_keys:
            return self._source_keys[wanted]
        stored = source_by_name(name)
        if stored is not None:
            key = stored.key
        else:
            key = self.keys.allocate(Source, key_slug(wanted, fallback="source"))
            self.sources.append({"key": key, "name": name[:NAME_MAX], "kind": guess_source_kind(name)})
        self._source_keys[wanted] = key
        return key

    def _metric_key(self, proposed) -> str:
        if proposed.key_base in self._metric_keys:
            return self._metric_keys[proposed.key_base]
        stored = metric_by_words(proposed)
        if stored is not None:
            key = stored.key
        else:
            key = self.keys.allocate(Metric, proposed.key_base)
            record: dict[str, Any] = {"key": key, "name": proposed.name, "cumulative": proposed.cumulative}
            if proposed.unit:
                record["unit"] = proposed.unit
            self.metrics.append(record)
        self._metric_keys[proposed.key_base] = key
        return key


def _is_pronoun_one(figure: ParsedFigure) -> bool:
    """A bare 'one' with nothing counted after it ("with one wrapping his arms") is a pronoun,
    not a figure a fact-checker would compare."""
    return figure.text.lower() == "one" and figure.noun is None
