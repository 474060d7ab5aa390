"""Find the figures (counts, percentages, ranges) stated in a piece of text.

``parse_figures`` is pure and dependency-free: it reads English number words and digits,
the hedge in front of a number ("about", "more than", "between ... and ..."), a percent
unit and the counted noun. It reports only what a fact-checker would compare, so years,
dates, times, ordinals, phone numbers, IP addresses, versions, ages and digits inside
names are skipped. See docs/figure-parsing.md for the semantics and the evaluation.

Cost is linear in the length of the text: the regexes are precompiled and free of nested
unbounded repeats, the text is scanned once per pattern, and the words before a number are
matched as a reversed short tail (one anchored attempt instead of a search per position).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

__all__ = ["QUALIFIERS", "ParsedFigure", "parse_figures"]

QUALIFIERS = ("exact", "approximate", "at_least", "more_than", "at_most", "less_than", "range")


@dataclass(frozen=True)
class ParsedFigure:
    """One figure; ``text == source[start:end]`` and includes the hedge ("About 600")."""

    text: str
    start: int
    end: int
    qualifier: str
    value: Decimal | None = None
    lower: Decimal | None = None
    upper: Decimal | None = None
    unit: str | None = None
    noun: str | None = None


def parse_figures(text: str) -> list[ParsedFigure]:
    """Return the figures stated in ``text``, in order of appearance."""
    if not text:
        return []
    toks = _tokenize(text, _find_zones(text))
    return _merge_bounds(text, _assemble(text, _parse_numbers(toks)))


# --- vocabulary --------------------------------------------------------------------------

_UNITS = {"zero": 0, "nought": 0, "naught": 0, "one": 1, "two": 2, "three": 3, "four": 4,
          "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_BIG = {"thousand": 10**3, "lakh": 10**5, "lakhs": 10**5, "million": 10**6, "crore": 10**7,
        "crores": 10**7, "billion": 10**9, "trillion": 10**12}
_DOZEN = frozenset({"dozen", "dozens", "dz", "dzs", "doz", "dozs"})
_SUFFIX_SCALE = {"k": 10**3, "K": 10**3, "m": 10**6, "M": 10**6, "MM": 10**6, "mn": 10**6,
                 "mln": 10**6, "mil": 10**6, "b": 10**9, "B": 10**9, "bn": 10**9,
                 "bln": 10**9, "tn": 10**12, "tln": 10**12, "trn": 10**12}
_CURRENCY_SIGNS = "$\u20ac\u00a3\u00a5"
_SPACES = " \u00a0\u202f\u2009"

_SMALL_WORDS = "|".join(sorted([*_UNITS, *_TEENS, *_TENS], key=len, reverse=True))
_SCALE_WORDS = "hundred|thousand|million|billion|trillion|lakhs?|crores?|dozens?"

# Every pattern scanned over the whole text starts with a literal or a character set, which
# lets the regex engine skip ahead quickly. A boundary check follows the first character
# ("[0-9](?<![\w.][0-9])") wherever a pattern could otherwise restart inside a long run of
# digits and rescan it: that would be quadratic.
_DIGITS_RE = re.compile(
    rf"""
    (?P<digits>
        (?:
            [0-9]{{1,3}}(?:,[0-9]{{3}})+(?![0-9])              # 15,000
          | [0-9]{{1,2}}(?:,[0-9]{{2}})+,[0-9]{{3}}(?![0-9])   # 12,34,567 (Indian grouping)
          | [0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+(?![0-9])    # 40 000
          | [0-9]+
        )(?:\.[0-9]+)?
      | \.[0-9]+
    )
    (?:[ ]{{0,2}}(?P<suffix>MM|mln|mil|mn|bln|bn|tln|trn|tn|k|K|M|m|b|B)(?!\w|-[A-Za-z]))?
    """,
    re.VERBOSE,
)
# The same digits without space grouping, for when "March 3 200" would glue a date to a count.
_DIGITS_NOSPACE_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_WORD_RE = re.compile(r"[A-Za-z]+")
# Words that are numbers only before another number word: "a dozen", "and six", "point five".
_WORD_NEEDS = {
    "a": re.compile(rf"[\s-]+(?:{_SCALE_WORDS}|half)\b", re.IGNORECASE),
    "and": re.compile(rf"\s+(?:an?\s+half\b|[0-9]|(?:{_SMALL_WORDS}|hundred)\b)", re.IGNORECASE),
    "point": re.compile(rf"\s+(?:{_SMALL_WORDS})\b", re.IGNORECASE),
}
_WORD_NEEDS["an"] = _WORD_NEEDS["a"]
_VOCABULARY = frozenset([*_UNITS, *_TEENS, *_TENS, *_BIG, *_DOZEN, "hundred", "half", *_WORD_NEEDS])
_GAP_RE = re.compile(r"[ \t\u00a0]{0,3}(?:-[ \t\u00a0]{0,3})?|\s{1,3}")

# --- regions that hold digits but no figure ----------------------------------------------

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November"
          r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec|JANUARY|FEBRUARY|MARCH"
          r"|APRIL|MAY|JUNE|JULY|AUGUST|SEPTEMBER|OCTOBER|NOVEMBER|DECEMBER)\b\.?")
_ZONE_RES = (
    # URLs, domains with a path, e-mail addresses, handles and hashtags: one chunk each.
    re.compile(r"(?<!\S)\S*?(?:://|www\.|\.[A-Za-z]{2,}/|@\w|#\w)\S*"),
    # Dates that start with a month name, and ISO dates. ("22 August" is an after-check.)
    re.compile(rf"{_MONTH}(?:\s+[0-9]{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+[0-9]{{4}}\b)?"
               rf"|,?\s+[0-9]{{4}}\b)"),
    re.compile(r"(?:1[5-9]|20|21)[0-9]{2}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?(?![0-9])"),
    # Phone numbers, IP addresses, versions, numeric dates and fractions: digits chained by
    # separators that never join a count ("192.168.1.2", "5/17/2018", "+1-222-2222").
    re.compile(r"[0-9](?<![\w.][0-9])[0-9]*([-./])[0-9]+(?:\1[0-9]+)+"),
    re.compile(r"\+[0-9]+(?:[-./ ][0-9]+){2,}"),
    re.compile(r"\([0-9]{2,4}\)\s*[0-9]{3,4}[-\s.][0-9]{3,4}"),
    re.compile(r"0(?<![\w.]0)[0-9]{1,4}(?:[ .-][0-9]{2,4}){2,}"),  # 020 7946 0958
    re.compile(r"[0-9](?<![\w.][0-9])[0-9]*/[0-9]+"),
)

# --- words around a number ----------------------------------------------------------------

_HEDGES = {
    "approximate": ["about", "around", "roughly", "some", "nearly", "almost", "an estimated",
                    "estimated", "approximately", "approx.", "close to", "circa"],
    "exact": ["exactly", "precisely", "equal to", "equals", "equals to", "equaling",
              "equaling to"],
    "at_least": ["at least", "no fewer than", "no less than", "not less than",
                 "not fewer than", "a minimum of", "at least or equal to",
                 "higher or equal than", "bigger or equal than", "greater or equal than",
                 "larger or equal than", "more or equal than", "greater than or equal to",
                 "more than or equal to", "higher than or equal to", "equal to or more than",
                 "equal to or greater than", "equal to or higher than"],
    "more_than": ["more than", "over", "upwards of", "exceeded", "exceeds", "exceed",
                  "exceeding", "in excess of", "greater than", "larger than", "bigger than",
                  "higher than", "above", "surpass", "surpassed", "surpasses", "surpassing",
                  "just over", "well over", "well above"],
    "at_most": ["up to", "at most", "no more than", "not more than", "a maximum of",
                "as many as", "less than or equal to", "fewer than or equal to",
                "smaller or equal than", "less or equal than", "lower or equal than",
                "smaller than or equal to", "lower than or equal to", "equal to or less than",
                "equal to or fewer than", "equal to or lower than"],
    "less_than": ["fewer than", "less than", "under", "below", "smaller than", "lower than",
                  "just under", "just below"],
}
_HEDGE_QUALIFIER = {p: q for q, phrases in _HEDGES.items() for p in phrases}
_HEDGE_QUALIFIER.update({">=": "at_least", "\u2265": "at_least", ">": "more_than",
                         "<=": "at_most", "\u2264": "at_most", "<": "less_than"})
# A number in digits after one of these labels a thing rather than counting it: "Route 66".
_LABELS = ("article", "resolution", "route", "chapter", "page", "section", "paragraph", "clause",
           "amendment", "no.", "nos.", "flight", "room", "highway", "item", "bill", "phase",
           "level", "category", "stage", "division", "brigade", "battalion", "regiment",
           "squadron", "district", "episode", "season", "volume", "vol.", "issue", "gate",
           "terminal", "platform", "unit")


def _rev(phrases: list[str] | tuple[str, ...]) -> str:
    """Alternation of the reversed phrases, longest first, any run of spaces allowed."""
    return "|".join(re.escape(p[::-1]).replace(r"\ ", r"\s+")
                    for p in sorted(phrases, key=len, reverse=True))


# Patterns over the reversed tail before a number: they read right to left, so a lookahead
# here is a lookbehind in the text.
_REV_CURRENCY = r"(?:\s*(?:\$SU|[$\u20ac\u00a3\u00a5]))?"
_HEDGE_BEFORE = re.compile(
    rf"{_REV_CURRENCY}\s*(?:(?P<word>{_rev([p for p in _HEDGE_QUALIFIER if p[0].isalpha()])})"
    rf"(?!\w)|(?P<sym>=\s*[<>]|[<>\u2265\u2264])(?![<>=]))", re.IGNORECASE)
_OPENER_BEFORE = re.compile(rf"{_REV_CURRENCY}\s+(?P<word>neewteb|morf)(?!\w)", re.IGNORECASE)
_DROP_BEFORE = re.compile(
    r"\s+(?:\w+\s+){0,2}(?:dega|sega|ega|fo\s+sega|fo\s+ega)(?!\w)"  # "aged (about) 41"
    r"|\s+(?:noisrev|\.rev|sunim|evitagen)(?!\w)",  # "version two", "minus five"
    re.IGNORECASE)
_DIGITS_DROP_BEFORE = re.compile(
    rf"\s+(?:{_rev(_LABELS)})(?!\w)"
    r"|-(?:\Z|[\s(\[<=:])"  # "-5": negative
    r"|-[A-Za-z]"  # "COVID-19", "F-16": digits in a name
    r"|[/:#@]", re.IGNORECASE)
_APPOSITION_BEFORE = re.compile(r"\s,[a-z]+[A-Z]")  # "Kim Jong Un, 41, said": an age
_DETERMINER_BEFORE = re.compile(
    r"\s+(?:eht|siht|taht|hcihw|hcae|yreve|yna|on|rehtona|revehcihw)(?!\w)", re.IGNORECASE)

_CONNECTOR_RE = re.compile(
    r"\s*(?:(?P<dash>[-\u2013\u2014~])|(?P<word>to|through|thru|and))\s*", re.IGNORECASE)
_POSTFIX_RE = re.compile(
    rf"""(?:\s+(?:or|and)\s+(?P<up>more|greater|higher|above|over|larger|bigger)(?:\s+than)?
          |\s+or\s+(?P<down>less|fewer|lower|below|under|smaller)(?:\s+than)?
          |\s+or\s+(?P<equal>equal)(?:\s+to)?
          |(?P<plus>\+|-plus\b))
        (?!\s+(?:than|to)\b)(?!\s*[-+]?\s*(?:[0-9]|(?:{_SMALL_WORDS}|a|an|half)\b))""",
    re.IGNORECASE | re.VERBOSE,
)
_PERCENT_RE = re.compile(r"\s?%|\s*(?:percent|per\s+cent|pct)\b", re.IGNORECASE)
_DROP_AFTER_RE = re.compile(
    r"""[- ]+(?:years?|yrs?|months?|weeks?|days?)[- ]+olds?\b           # 41-year-old
      | \s+years?\s+of\s+age\b
      | \s*[ap]\.?m\.?(?!\w) | \s*(?:GMT|UTC|BST|EST|EDT|PST|PDT|CET|CEST|KST|JST)\b  # 3 pm
      | \s+o['\u2019]clock\b
      | -(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)\b  # twenty-first
      | [/:][0-9]""",
    re.IGNORECASE | re.VERBOSE,
)
_DATE_AFTER_RE = re.compile(rf"\s+(?:of\s+)?{_MONTH}")  # "22 August"; case matters: "may"
_FRACTION_AFTER_RE = re.compile(
    r"[\s-]+(?:halves|thirds?|quarters?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?"
    r"|tenths?|hundredths?|thousandths?)\b", re.IGNORECASE)
_APPOSITION_AFTER_RE = re.compile(r",\s+[a-z]")
_ONE_AFTER_RE = re.compile(r"-[A-Za-z]|\s+(?:another|by\s+one)\b", re.IGNORECASE)
_BOUND_JOIN_RE = re.compile(r"\s*(?:,\s*(?:and\s+|but\s+)?|(?:and|but)\s+)")
_NOUN_WORD_RE = re.compile(r"[ \t\u00a0]+([A-Za-z][A-Za-z'\u2019-]*)")

# Words that end the noun phrase after a number (function words, common verbs).
_STOP = frozenset({
    "a", "an", "the", "and", "or", "but", "of", "in", "on", "at", "to", "from", "for", "with", "by",
    "as", "than", "that", "which", "who", "whom", "whose", "is", "are", "was", "were", "be", "been",
    "being", "have", "has", "had", "do", "does", "did", "will", "would", "shall", "should", "can",
    "could", "may", "might", "must", "it", "its", "this", "these", "those", "they", "he", "she",
    "we", "you", "i", "per", "out", "more", "less", "over", "under", "about", "into", "since",
    "until", "while", "when", "where", "if", "so", "not", "no", "said", "says", "say", "according",
    "citing", "reported", "told", "there", "their", "his", "her", "our", "your", "my", "after",
    "before", "during", "against", "between", "among", "across", "through", "each", "every", "some",
    "all", "both", "also", "only", "just", "still", "yet", "ago", "earlier", "later", "last",
    "next", "now", "then", "today", "yesterday", "apiece", "alone", "percent", "cent", "nor",
    "amid", "equals", "plus", "minus", "times"
})
_IRREGULAR_PLURALS = frozenset({
    "people", "men", "women", "children", "police", "personnel", "staff", "cattle", "sheep", "fish",
    "deer", "aircraft", "livestock", "troops", "infantry", "militia", "clergy", "youth"
})
_TAIL = 48  # characters before a number that hedges and labels are looked for in


def _tail(text: str, pos: int, floor: int = 0) -> str:
    return text[max(floor, pos - _TAIL):pos][::-1]


# --- step 1: zones ------------------------------------------------------------------------

def _find_zones(text: str) -> list[tuple[int, int]]:
    spans = sorted(m.span() for rx in _ZONE_RES for m in rx.finditer(text) if m.end() > m.start())
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


class _ZoneCursor:
    """Overlap test for spans visited in increasing order: amortised O(1) each."""

    def __init__(self, zones: list[tuple[int, int]]) -> None:
        self.zones, self.i = zones, 0

    def hits(self, start: int, end: int) -> bool:
        zones = self.zones
        while self.i < len(zones) and zones[self.i][1] <= start:
            self.i += 1
        return self.i < len(zones) and zones[self.i][0] < end


# --- step 2: tokens -----------------------------------------------------------------------

@dataclass(slots=True)
class _Tok:
    kind: str  # small, digits, scaled, hundred, big, dozen, a, half, and, point
    value: Decimal
    start: int
    end: int
    sub: str = ""  # unit/teen/tens for small words, "plain" for bare digits, a suffix
    adj: bool = False  # joined to the previous token by spaces or one hyphen only
    hyphen: bool = False


def _tokenize(text: str, zones: list[tuple[int, int]]) -> list[_Tok]:
    toks = sorted(_digit_tokens(text, zones) + _word_tokens(text, zones), key=lambda t: t.start)
    for prev, tok in pairwise(toks):
        gap = text[prev.end:tok.start]
        if len(gap) <= 8 and _GAP_RE.fullmatch(gap):
            tok.adj, tok.hyphen = True, "-" in gap
    return toks


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _digit_tokens(text: str, zones: list[tuple[int, int]]) -> list[_Tok]:
    cursor = _ZoneCursor(zones)
    toks: list[_Tok] = []
    pos = 0
    while (m := _DIGITS_RE.search(text, pos)) is not None:
        pos = m.end()
        start, end = m.span("digits")
        raw = m.group("digits")
        if start > 0 and (_is_word_char(text[start - 1]) or text[start - 1] == "."):
            continue  # "G20", "v1.2": part of a name
        if cursor.hits(start, m.end()):
            if any(c in raw for c in _SPACES):
                # Retry without space grouping so "March 3 200 troops" still yields 200.
                m2 = _DIGITS_NOSPACE_RE.match(text, start)
                if m2 is not None:
                    pos = m2.end()
            continue
        after = text[m.end():m.end() + 1]
        if after.isalpha() or after == "\u00b0":
            continue  # "29km", "4th", "1990s", "5G", "30°": a unit or a name, not a count
        suffix = m.group("suffix")
        if suffix == "m" and not (start > 0 and text[start - 1] in _CURRENCY_SIGNS):
            continue  # "5m" is five metres; "£300m" is money
        value = Decimal("".join(c for c in raw if c in "0123456789."))
        if suffix:
            toks.append(_Tok("scaled", value * _SUFFIX_SCALE[suffix], start, m.end(), suffix))
        else:
            plain = raw.isdigit() and raw[0] != "0"
            toks.append(_Tok("digits", value, start, end, "plain" if plain else ""))
    return toks


def _word_tokens(text: str, zones: list[tuple[int, int]]) -> list[_Tok]:
    cursor = _ZoneCursor(zones)
    toks: list[_Tok] = []
    for m in _WORD_RE.finditer(text):
        word = m.group().lower()
        if word not in _VOCABULARY:
            continue
        start, end = m.span()
        if (start > 0 and _is_word_char(text[start - 1])) or \
                (end < len(text) and _is_word_char(text[end])):
            continue  # inside a longer word such as "naïve" or "2one"
        needs = _WORD_NEEDS.get(word)
        if needs is not None and not needs.match(text, end):
            continue
        tok = _word_token(word, start, end)
        if tok is not None and not cursor.hits(start, end):
            toks.append(tok)
    return toks


def _word_token(word: str, start: int, end: int) -> _Tok | None:
    for table, sub in ((_UNITS, "unit"), (_TEENS, "teen"), (_TENS, "tens")):
        if word in table:
            return _Tok("small", Decimal(table[word]), start, end, sub)
    if word == "hundred":
        return _Tok("hundred", Decimal(100), start, end)
    if word in _BIG:
        return _Tok("big", Decimal(_BIG[word]), start, end)
    if word in _DOZEN:
        return _Tok("dozen", Decimal(12), start, end)
    kind = {"a": "a", "an": "a", "half": "half", "and": "and", "point": "point"}.get(word)
    return _Tok(kind, Decimal(0), start, end) if kind else None


# --- step 3: numbers from runs of tokens ------------------------------------------------

@dataclass(slots=True)
class _Acc:
    """Running value of one spoken number: total + hundreds + small (+ digits after point)."""

    total: Decimal = Decimal(0)
    hundreds: Decimal = Decimal(0)
    small: Decimal = Decimal(0)
    small_kind: str = ""
    last_big: Decimal | None = None
    prev_kind: str = ""
    has_value: bool = False
    complete: bool = False
    closed: bool = False
    frac: str | None = None
    scale: Decimal | None = None  # trailing multiplier ("20 thousand" -> 1000), for ranges
    base: Decimal | None = None  # the value before that multiplier

    def value(self) -> Decimal:
        extra = Decimal("0." + self.frac) if self.frac else Decimal(0)
        return self.total + self.hundreds + self.small + extra

    def feed(self, t: _Tok) -> bool:
        if self.closed or not getattr(self, "_feed_" + t.kind)(t):
            return False
        self.prev_kind = t.kind
        if t.kind not in ("big", "scaled"):
            self.scale = None
        return True

    def _feed_small(self, t: _Tok) -> bool:
        if self.frac is not None:  # digits after "point", read one word at a time
            if t.sub == "unit" and self.small_kind == "fractens" and self.prev_kind == "small":
                self.frac = self.frac[:-1] + str(t.value)  # "point seventy-one"
            else:
                self.frac += str(t.value)
            self.small_kind = "fractens" if t.sub == "tens" else "frac"
        elif self.small_kind == "tens" and t.sub == "unit" and t.value and \
                self.prev_kind == "small":
            self.small += t.value
            self.small_kind = "tensunit"
        elif self.small_kind == "" and (
                not self.has_value or self.hundreds or self.last_big is not None):
            self.small, self.small_kind = t.value, t.sub if t.value else "zero"
        else:
            return False
        self.has_value = self.complete = True
        return True

    def _feed_digits(self, t: _Tok) -> bool:
        if self.frac is not None:
            return False
        if self.has_value:
            # "4 thousand 3 hundred and 21": digits fill the slot below the last multiplier.
            limit = 100 if self.hundreds else self.last_big
            if self.small_kind or t.sub != "plain" or t.hyphen or limit is None \
                    or t.value >= limit:
                return False
        self.small, self.small_kind = t.value, "digits"
        self.has_value = self.complete = True
        return True

    def _feed_scaled(self, t: _Tok) -> bool:
        if self.has_value:
            return False
        self.total, self.has_value, self.complete, self.closed = t.value, True, True, True
        self.scale = Decimal(_SUFFIX_SCALE[t.sub])
        self.base = t.value / self.scale
        return True

    def _feed_hundred(self, t: _Tok) -> bool:
        if self.frac is not None or self.hundreds or self.small <= 0 \
                or self.small_kind == "dozen":
            return False
        self.hundreds, self.small, self.small_kind = self.small * 100, Decimal(0), ""
        self.complete = True
        return True

    def _feed_big(self, t: _Tok) -> bool:
        if self.frac is not None:  # "one point five million"
            if self.total or self.hundreds:
                return False
            self.small, self.frac = self.value(), None
        part = self.hundreds + self.small
        if part == 0:
            if self.prev_kind != "big" or self.last_big is None or t.value <= self.last_big:
                return False
            self.total *= t.value  # "three lakh crore", "a thousand million"
            self.scale = self.scale * t.value if self.scale is not None else None
        else:
            if self.last_big is not None and t.value >= self.last_big:
                return False
            self.scale, self.base = (t.value, part) if self.total == 0 else (None, None)
            self.total += part * t.value
        self.hundreds, self.small, self.small_kind = Decimal(0), Decimal(0), ""
        self.last_big, self.complete = t.value, True
        return True

    def _feed_dozen(self, t: _Tok) -> bool:
        if self.frac is not None or self.small <= 0 or self.small_kind == "dozen":
            return False
        self.small, self.small_kind, self.complete = self.small * 12, "dozen", True
        return True

    def _feed_a(self, t: _Tok) -> bool:
        if self.has_value and self.small_kind != "half":  # "half a dozen"
            return False
        if not self.has_value:
            self.small, self.small_kind, self.has_value = Decimal(1), "a", True
        self.complete = False  # "a" counts only before a multiplier: "a dozen"
        return True

    def _feed_half(self, t: _Tok) -> bool:
        if self.has_value:
            return False
        self.small, self.small_kind, self.has_value = Decimal("0.5"), "half", True
        self.complete = False
        return True

    def _feed_point(self, t: _Tok) -> bool:
        if not self.has_value or self.frac is not None or self.small_kind in ("digits", "a"):
            return False
        self.frac, self.complete = "", False
        return True

    def can_and(self) -> bool:
        return (self.frac is None and self.complete and not self.small
                and (self.hundreds > 0 or self.last_big is not None))

    def add_half(self) -> bool:
        """ "five and a half (million)", "a million and a half"."""
        if self.frac is not None or not self.complete:
            return False
        if self.small or self.hundreds:
            self.small += Decimal("0.5")
            self.small_kind = "half"
        elif self.last_big is not None:
            self.total += self.last_big / 2
        else:
            return False
        return True


@dataclass(slots=True)
class _Num:
    start: int
    end: int
    value: Decimal
    words: bool  # stated at least partly in words
    year_like: bool  # four plain digits that could be a year
    scale: Decimal | None = None
    base: Decimal | None = None


def _parse_numbers(toks: list[_Tok]) -> list[_Num]:
    nums: list[_Num] = []
    i = 0
    while i < len(toks):
        num, i = _parse_one(toks, i)
        if num is not None:
            nums.append(num)
    return nums


_Snapshot = tuple[int, Decimal, Decimal | None, Decimal | None]


def _parse_one(toks: list[_Tok], i: int) -> tuple[_Num | None, int]:
    """Read the longest valid number from ``toks[i]`` on; return it and the next index."""
    if toks[i].kind in ("and", "point"):
        return None, i + 1
    n = len(toks)
    acc = _Acc()
    good: _Snapshot | None = None
    before_and: _Snapshot | None = None
    j = i
    while j < n and (j == i or toks[j].adj):
        t = toks[j]
        if t.kind == "and":
            if (j + 2 < n and toks[j + 1].kind == "a" and toks[j + 2].kind == "half"
                    and toks[j + 1].adj and toks[j + 2].adj and acc.add_half()):
                j += 3
                good = (j, acc.value(), None, None)
                continue
            if not acc.can_and():
                break
            before_and = (j, acc.value(), acc.scale, acc.base)
            j += 1
            continue
        if j == i and t.kind == "hundred" and j + 1 < n and toks[j + 1].kind == "big" \
                and toks[j + 1].adj:
            acc.small, acc.small_kind, acc.has_value = Decimal(1), "unit", True  # "hundred thousand"
        if not acc.feed(t):
            if t.kind in ("hundred", "big", "dozen") and before_and is not None:
                good = before_and  # "3 hundred and 2 hundred" is two numbers
            break
        if t.kind == "big":
            before_and = None
        j += 1
        if acc.complete:
            good = (j, acc.value(), acc.scale, acc.base)
    if good is None:
        return None, i + 1
    end_j, value, scale, base = good
    first, last = toks[i], toks[end_j - 1]
    year_like = (end_j == i + 1 and first.kind == "digits" and first.sub == "plain"
                 and first.end - first.start == 4 and 1000 <= first.value <= 2100)
    words = any(t.kind not in ("digits", "scaled") for t in toks[i:end_j])
    if last.kind not in ("big", "scaled"):
        scale = base = None
    return _Num(first.start, last.end, value, words, year_like, scale, base), end_j


# --- step 4: figures ----------------------------------------------------------------------

def _assemble(text: str, nums: list[_Num]) -> list[ParsedFigure]:
    figures: list[ParsedFigure] = []
    i = 0
    while i < len(nums):
        b = nums[i + 1] if i + 1 < len(nums) else None
        pair = _as_range(text, nums, i) if b is not None else None
        if pair is not None:
            if isinstance(pair, ParsedFigure):
                figures.append(pair)
            i += 2
            continue
        limit = _hedge_start(text, b) if b is not None else len(text)
        fig = _single(text, nums[i], figures[-1].end if figures else 0, limit)
        if fig is not None:
            figures.append(fig)
        i += 1
    return figures


def _hedge(text: str, pos: int, floor: int = 0) -> tuple[int, str] | None:
    """The hedge ending right before ``pos``: its start and its qualifier."""
    m = _HEDGE_BEFORE.match(_tail(text, pos, floor))
    if m is None:
        return None
    phrase = m.group("word") or re.sub(r"\s+", "", m.group("sym"))
    phrase = re.sub(r"\s+", " ", phrase[::-1].lower())
    return pos - m.end(), _HEDGE_QUALIFIER[phrase]


def _hedge_start(text: str, num: _Num) -> int:
    hedge = _hedge(text, num.start)
    return hedge[0] if hedge else num.start


def _percent_end(text: str, end: int) -> int | None:
    m = _PERCENT_RE.match(text, end)
    return m.end() if m else None


def _dropped(text: str, num: _Num, first: bool = True) -> bool:
    """Whether the words around ``num`` make it something other than a count."""
    if first:
        tail = _tail(text, num.start)
        if _DROP_BEFORE.match(tail) or (not num.words and _DIGITS_DROP_BEFORE.match(tail)):
            return True
        if not num.words and num.value < 130 and _APPOSITION_AFTER_RE.match(text, num.end) \
                and _APPOSITION_BEFORE.match(tail):
            return True
        if num.words and text[num.start:num.end].lower() == "one" and (
                _DETERMINER_BEFORE.match(tail) or _ONE_AFTER_RE.match(text, num.end)):
            return True  # "the one who", "no one", "one-sided"
    if num.words and _FRACTION_AFTER_RE.match(text, num.end):
        return True  # "two thirds"
    return bool(_DROP_AFTER_RE.match(text, num.end) or _DATE_AFTER_RE.match(text, num.end))


def _single(text: str, num: _Num, prev_end: int, next_start: int) -> ParsedFigure | None:
    """One number as a figure; its hedge and postfix stay clear of its neighbours."""
    if _dropped(text, num):
        return None
    start, end, qualifier = num.start, num.end, "exact"
    hedge = _hedge(text, num.start, prev_end)
    if hedge is not None:
        start, qualifier = hedge
    pct = _percent_end(text, end)
    unit = "percent" if pct is not None else None
    end = pct if pct is not None else end
    post = _POSTFIX_RE.match(text, end)
    if post is not None and post.end() <= next_start:  # else the words belong to the next
        new = _postfix_qualifier(post, qualifier)
        if new is not None:
            qualifier, end = new, post.end()
        else:
            post = None
    else:
        post = None
    currency = num.start > 0 and text[num.start - 1] in _CURRENCY_SIGNS
    if num.year_like and unit is None and hedge is None and post is None and not currency:
        # News style writes counts of this size with a comma ("2,000"), so four plain digits
        # are a year even before a plural ("in 2024 lawmakers said").
        return None
    noun = None if unit else _noun(text, end, num.value)
    return ParsedFigure(text[start:end], start, end, qualifier, value=_tidy(num.value),
                        unit=unit, noun=noun)


def _postfix_qualifier(m: re.Match[str], qualifier: str) -> str | None:
    if m.group("up") or m.group("plus"):
        return "at_least"
    if m.group("down"):
        return "at_most"
    return {"more_than": "at_least", "less_than": "at_most"}.get(qualifier)


def _is_chain_link(text: str, left: _Num, right: _Num) -> bool:
    m = _CONNECTOR_RE.fullmatch(text, left.end, right.start)
    return m is not None and m.group("dash") is not None


def _as_range(text: str, nums: list[_Num], i: int) -> ParsedFigure | str | None:
    """``nums[i]`` and ``nums[i + 1]`` as one range, "drop" for neither, None for no range."""
    a, b = nums[i], nums[i + 1]
    a_pct = _percent_end(text, a.end)
    conn = _CONNECTOR_RE.fullmatch(text, a_pct if a_pct is not None else a.end, b.start)
    if conn is None:
        return None
    opener = _OPENER_BEFORE.match(_tail(text, a.start))
    word = (conn.group("word") or "").lower()
    dash = conn.group("dash") is not None
    if word == "and" and not (opener and opener.group("word").lower() == "neewteb"):
        return None
    if dash and ((i > 0 and _is_chain_link(text, nums[i - 1], a))
                 or (i + 2 < len(nums) and _is_chain_link(text, b, nums[i + 2]))):
        return None  # "three-nought-four" or "1-2-3" is a chain, not a range
    if _dropped(text, a) or _dropped(text, b, first=False):
        return "drop"  # "aged 18 to 25", "18-25 years old": both ends share the reason
    lower, upper = a.value, b.value
    if a.scale is None and b.scale is not None and b.base is not None and lower < b.base:
        lower = lower * b.scale  # "between 10 and 20 thousand"
    if lower >= upper:
        return "drop" if dash and a.year_like else None  # "2019-20" is a season
    b_pct = _percent_end(text, b.end)
    unit = "percent" if (b_pct is not None or a_pct is not None) else None
    end = b_pct if b_pct is not None else b.end
    start = a.start - opener.end() if opener else a.start
    if opener is None and (hedge := _hedge(text, a.start)) is not None:
        if hedge[1] != "approximate":
            return None  # "more than 10 to 20" is not a plain range
        start = hedge[0]
    noun = None if unit else _noun(text, end, upper)
    if a.year_like and b.year_like and noun is None and unit is None:
        return "drop"  # "from 2019 to 2021"
    return ParsedFigure(text[start:end], start, end, "range", lower=_tidy(lower),
                        upper=_tidy(upper), unit=unit, noun=noun)


_LOWER_BOUNDS = ("at_least", "more_than")
_UPPER_BOUNDS = ("at_most", "less_than")


def _merge_bounds(text: str, figures: list[ParsedFigure]) -> list[ParsedFigure]:
    """Join "more than 100 and less than 300" into one range from 100 to 300."""
    out: list[ParsedFigure] = []
    k = 0
    while k < len(figures):
        f = figures[k]
        g = figures[k + 1] if k + 1 < len(figures) else None
        if g is not None and _bounds_pair(f, g) and _BOUND_JOIN_RE.fullmatch(text, f.end, g.start):
            lower, upper = sorted((f.value, g.value))
            out.append(ParsedFigure(text[f.start:g.end], f.start, g.end, "range", lower=lower,
                                    upper=upper, unit=f.unit, noun=g.noun))
            k += 2
            continue
        out.append(f)
        k += 1
    return out


def _bounds_pair(f: ParsedFigure, g: ParsedFigure) -> bool:
    if f.noun is not None or f.unit != g.unit or f.value is None or g.value is None:
        return False
    if f.qualifier in _LOWER_BOUNDS and g.qualifier in _UPPER_BOUNDS:
        return f.value < g.value
    return f.qualifier in _UPPER_BOUNDS and g.qualifier in _LOWER_BOUNDS and g.value < f.value


def _noun(text: str, pos: int, value: Decimal) -> str | None:
    """The counted thing right after a number: words up to the first plural noun."""
    spans: list[tuple[int, int]] = []
    for _ in range(5):
        m = _NOUN_WORD_RE.match(text, pos)
        if m is None:
            break
        word = m.group(1).lower().rstrip("-")
        if word in _STOP:
            break
        if len(word) > 3 and word.endswith(("ed", "ing", "ly")):
            # A verb or an adverb ends the phrase ("600 killed"), unless it describes the
            # plural noun that follows ("120 returning soldiers", "300 armed men").
            nxt = _NOUN_WORD_RE.match(text, m.end())
            if nxt is None or not _is_plural(nxt.group(1).lower()):
                break
        spans.append(m.span(1))
        pos = m.end()
        if _is_plural(word):
            return text[spans[0][0]:spans[-1][1]]
    if value == 1 and spans:  # "one soldier"
        return text[spans[0][0]:spans[-1][1]]
    return None


def _is_plural(word: str) -> bool:
    if word in _STOP:
        return False
    return word in _IRREGULAR_PLURALS or (
        len(word) > 2 and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "'s", "\u2019s")))


def _tidy(value: Decimal) -> Decimal:
    """Drop the trailing zeros left by scaling ("1.2 million") without losing precision."""
    if value.adjusted() >= 27:  # beyond the context's precision: keep it exactly as read
        return value
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()
