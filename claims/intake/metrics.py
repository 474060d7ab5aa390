"""What a figure counts: a metric name proposed from the words around it. Pure, no database.

A figure is only comparable with others on the same metric, so the name has to say both the thing
counted ("North Korean troops") and what happened to it ("killed"): 600 troops killed and 15,000
troops deployed must never land on one metric, or the checks would call them a conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.text import slugify

from claims.figures import ParsedFigure

# Outcome words, normalised: the form a metric name uses for each of them.
_EVENTS = {
    "killed": "killed", "dead": "killed", "died": "killed", "death": "killed", "deaths": "killed",
    "fatalities": "killed", "perished": "killed", "killing": "killed", "slain": "killed",
    "wounded": "wounded", "injured": "wounded", "injuries": "wounded", "hurt": "wounded",
    "casualties": "casualties",
    "deployed": "deployed", "deployment": "deployed", "sent": "deployed", "dispatched": "deployed",
    "stationed": "deployed",
    "captured": "captured", "prisoners": "captured", "surrendered": "captured",
    "missing": "missing",
    "displaced": "displaced", "fled": "displaced", "refugees": "displaced", "evacuated": "displaced",
    "arrested": "arrested", "detained": "arrested",
    "returned": "returned", "returning": "returned",
}
_EVENT_NAMES = frozenset(_EVENTS.values())
# Outcomes whose true total only grows: someone killed stays killed, while a deployment can
# shrink when troops go home. These make the checks treat a later, lower figure as a conflict.
_CUMULATIVE_EVENTS = frozenset({"killed", "wounded", "casualties", "captured", "arrested"})
_CUMULATIVE_PHRASE = re.compile(r"\b(?:to\s+date|so\s+far|in\s+total|since\s+the\s+(?:start|beginning))\b", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
# How far from the number an outcome word may stand and still describe it.
_AFTER_CHARS = 90
_BEFORE_CHARS = 40
# Words that say the same thing in metric names, so that "soldiers dead" finds "troops killed".
_SYNONYMS = {"soldiers": "troops", "troop": "troops", "soldier": "troops", "servicemen": "troops",
             "people": "people", "persons": "people", "civilians": "civilians", **_EVENTS}
_FILLER = frozenset({"a", "an", "the", "of", "in", "on", "for", "to", "and", "by", "with", "at", "from",
                     "share", "percent", "number", "total"})
UNNAMED_NOUN = "unnamed count"


@dataclass(frozen=True)
class ProposedMetric:
    """A metric as intake would create it; ``event`` is the normalised outcome word, if any."""

    name: str
    key_base: str
    cumulative: bool
    unit: str
    event: str | None


def propose_metric(sentence: str, figure: ParsedFigure, *, noun: str | None,
                   next_start: int | None = None) -> ProposedMetric:
    """The metric a figure of ``sentence`` is on.

    ``noun`` is what the figure counts (its own noun, or, for "600 troops ... out of 15,000",
    the noun of the figure before it); ``next_start`` is where the next figure starts, so that
    the outcome of the next number ("15,000 deployed") is not read as this one's.
    """
    event = _event_after(sentence, figure.end, next_start) or _event_before(sentence, figure.start)
    thing = (noun or "").strip() or UNNAMED_NOUN
    name = f"{thing} {event}" if event else thing
    if figure.unit == "percent":
        name = f"share of {name}"
    name = name[:300]
    cumulative = event in _CUMULATIVE_EVENTS or bool(_CUMULATIVE_PHRASE.search(sentence))
    return ProposedMetric(
        name=name, key_base=slugify(name)[:90].strip("-") or "metric", cumulative=cumulative,
        unit="percent" if figure.unit == "percent" else "", event=event,
    )


def _event_after(sentence: str, end: int, next_start: int | None) -> str | None:
    stop = min(len(sentence), end + _AFTER_CHARS, next_start if next_start is not None else len(sentence))
    for word in _WORD.findall(sentence[end:stop]):
        event = _EVENTS.get(word.lower())
        if event:
            return event
    return None


def _event_before(sentence: str, start: int) -> str | None:
    # "a total deployment of 15,000", "a death toll of 300": the nearest outcome word wins.
    for word in reversed(_WORD.findall(sentence[max(0, start - _BEFORE_CHARS):start])):
        event = _EVENTS.get(word.lower())
        if event:
            return event
    return None


def metric_words(name: str) -> frozenset[str]:
    """The words that identify a metric, normalised: fillers dropped, synonyms merged."""
    words = (word.lower().replace("\u2019", "'") for word in _WORD.findall(name))
    return frozenset(_SYNONYMS.get(word, word) for word in words if word not in _FILLER)


def word_variants(word: str) -> set[str]:
    """Every spelling that metric_words would read as ``word`` (for a database prefilter)."""
    return {word, *(spelling for spelling, meaning in _SYNONYMS.items() if meaning == word)}


def words_similar(proposed: frozenset[str], stored: frozenset[str], event: str | None) -> float:
    """Share of words the two names have in common (0..1), or 0 when they name different
    outcomes: 'troops killed' and 'troops deployed' are never one metric."""
    if not proposed or not stored:
        return 0.0
    if event is not None and event not in stored:
        return 0.0
    if event is None and stored & _EVENT_NAMES:
        return 0.0
    return len(proposed & stored) / len(proposed | stored)
