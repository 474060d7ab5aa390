"""Database reads of the intake: known sources by name or alias, known metrics by name words,
and keys that are still free. Read-only, so a draft can be made as often as an editor likes."""

from __future__ import annotations

import re
import unicodedata

from django.db.models import Model, Q

from claims.intake.metrics import ProposedMetric, metric_words, word_variants, words_similar
from claims.models import Metric
from sources.models import Source

# Below this share of common words two metric names are different quantities.
METRIC_MATCH_THRESHOLD = 0.6
_CANDIDATES = 200
_LEADING_THE = re.compile(r"^the\s+")
_NAME_WORD = re.compile(r"[a-z0-9]+")


def key_slug(text: str, *, fallback: str, max_length: int = 80) -> str:
    """A bundle key made of the words of ``text``: 'South Korean lawmakers' -> 'south-korean-lawmakers'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    ascii_text = ascii_text.replace("'", "")  # "country's" -> "countrys", not "country-s"
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:max_length].strip("-")
    return slug or fallback


def normalise_name(name: str) -> str:
    """How names are compared: case, curly quotes, spacing and a leading 'the' do not count, so
    'the BBC' is the BBC and 'The Country\u2019s spy agency' is "the country's spy agency"."""
    text = " ".join(name.replace("\u2019", "'").replace("\u2018", "'").split()).casefold()
    return _LEADING_THE.sub("", text)


def source_by_name(name: str) -> Source | None:
    """The stored source whose name or one of whose aliases is ``name`` (case-insensitive). Keys
    are not compared: 'officials' in a sentence says nothing about a source keyed 'officials'."""
    wanted = normalise_name(name)
    if not _NAME_WORD.search(wanted):
        return None
    query = Q()
    # Stored text may use a curly apostrophe where the sentence has a straight one, or the reverse.
    for spelling in {wanted, wanted.replace("'", "\u2019")}:
        query |= Q(name__iexact=spelling) | Q(name__iexact=f"the {spelling}") | Q(aliases__icontains=spelling)
    for source in Source.objects.filter(query).order_by("id")[:_CANDIDATES]:
        if any(normalise_name(candidate) == wanted for candidate in (source.name, *source.alias_list())):
            return source
    return None


def metric_by_words(proposed: ProposedMetric) -> Metric | None:
    """The stored metric whose name shares the most words with the proposed one, when it shares
    enough of them and names the same outcome; ties go to the oldest metric."""
    wanted = metric_words(proposed.name)
    if not wanted:
        return None
    stored = Metric.objects.filter(key=proposed.key_base).first()
    if stored is not None and words_similar(wanted, metric_words(stored.name), proposed.event) > 0:
        return stored
    anchor = proposed.event or max(wanted, key=len)
    query = Q()
    for variant in word_variants(anchor):
        query |= Q(name__icontains=variant)
    best: tuple[float, int] | None = None
    found = None
    for metric in Metric.objects.filter(query).order_by("id")[:_CANDIDATES]:
        score = words_similar(wanted, metric_words(metric.name), proposed.event)
        if score >= METRIC_MATCH_THRESHOLD and (best is None or score > best[0]):
            best, found = (score, metric.id), metric
    return found


class KeyAllocator:
    """Hands out keys unused both in the database and in the draft being built."""

    def __init__(self) -> None:
        self._used: dict[type[Model], set[str]] = {}

    def allocate(self, model: type[Model], base: str, *, also_taken=None) -> str:
        """``base``, else ``base-2``, ``base-3``...; ``also_taken(key)`` may refuse more keys."""
        used = self._used.setdefault(model, set())
        stored = set(model.objects.filter(key__startswith=base).values_list("key", flat=True))
        number = 1
        while True:
            key = base if number == 1 else f"{base}-{number}"
            if key not in used and key not in stored and not (also_taken and also_taken(key)):
                used.add(key)
                return key
            number += 1

    def reserve(self, model: type[Model], key: str) -> None:
        self._used.setdefault(model, set()).add(key)
