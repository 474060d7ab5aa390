"""Read who said a sentence, citing whom: pure functions, no database.

``extract_chain`` returns the attribution links that one sentence states, outermost first
("KCNA reported that Kim said ..." gives KCNA, then Kim); the caller puts the article's
publisher in front and matches the names to known sources. Names stay as written in the
sentence ("the country's intelligence agency"); nothing is invented, and a pronoun subject
("he said") gives no link. ``guess_source_kind`` proposes a source kind from the words of
a name, and ``split_sentences`` cuts a text into sentences for these functions.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

__all__ = ["SOURCE_KINDS", "ProposedLink", "extract_chain", "guess_source_kind", "split_sentences"]

SOURCE_KINDS = (
    "news_agency", "news_outlet", "broadcaster", "state_media", "government", "legislature",
    "legislator", "military", "intelligence_agency", "international_organization", "ngo",
    "research", "social_media_account", "person", "anonymous_officials", "other",
)


@dataclass(frozen=True)
class ProposedLink:
    """One link of a chain: ``sentence[start:end] == name``; ``date`` is 2025, 2025-04 or
    2025-04-15 (the precision the sentence gives), or None."""

    name: str
    verb: str
    date: str | None
    start: int
    end: int


# --- words -------------------------------------------------------------------------------

_MONTHS = {name: i for i, names in enumerate((
    ("January", "Jan"), ("February", "Feb"), ("March", "Mar"), ("April", "Apr"), ("May",),
    ("June", "Jun"), ("July", "Jul"), ("August", "Aug"), ("September", "Sept", "Sep"),
    ("October", "Oct"), ("November", "Nov"), ("December", "Dec")), start=1) for name in names}
_WEEKDAYS = {d: i for i, d in enumerate(
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"))}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))

_DATE_RE = re.compile(
    rf"""\b(?:
        (?P<wd>{"|".join(_WEEKDAYS)})
      | (?P<m1>{_MONTH_RE})\.?\s+(?P<d1>[0-9]{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>[0-9]{{4}})\b)?
      | (?P<d2>[0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH_RE})\b\.?
        (?:,?\s+(?P<y2>[0-9]{{4}})\b)?
      | (?i:in|since|by|until|during)\s+(?:early\s+|late\s+|mid-?)?(?P<m3>{_MONTH_RE})\b
        (?:\s+(?P<y3>[0-9]{{4}})\b)?
      | (?i:in|since|during)\s+(?P<y4>(?:19|20)[0-9]{{2}})\b
      | (?P<rel>(?i:yesterday|today|last\s+month|last\s+year))\b
    )""",
    re.VERBOSE,
)
# Verbs whose subject is the speaker, normalised to the verb a link records.
_SPEECH = {
    "said": "said", "says": "said", "say": "said", "added": "said", "stated": "said",
    "told": "told", "tells": "told", "reported": "reported", "estimated": "estimated",
    "posted": "posted", "wrote": "wrote", "announced": "announced", "confirmed": "confirmed",
    "claimed": "claimed",
}
# Participles whose object is the one cited: "citing X", "quoting X".
_CITING = {"citing": "citing", "quoting": "quoted"}
# Passives whose agent relays the speaker: "quoted by KCNA", "reported by state media".
_PASSIVE = {"quoted": "quoted", "reported": "reported", "carried": "reported",
            "published": "reported", "cited": "citing", "broadcast": "reported",
            "aired": "reported"}
_PASSIVE_AUX = frozenset({"is", "are", "was", "were", "be", "been", "being", "widely"})
# Verbs that also work as adjectives ("an estimated 600", "confirmed cases"): they attribute
# only when a clause boundary, "that" or a date follows.
_WEAK_SPEECH = frozenset({"estimated", "posted", "wrote", "announced", "confirmed", "claimed"})
_WEAK_FOLLOW_RE = re.compile(r"\s*(?:that\b|[,:;.]|on\b|in\b|\Z)")
_ADVERBS = frozenset({"also", "later", "earlier", "previously", "reportedly", "separately",
                      "further", "again", "has", "have", "had", "then", "recently", "publicly",
                      "privately", "today", "yesterday"})
_DETERMINERS = frozenset({"a", "an", "the", "some", "this", "that", "these", "those", "its",
                          "their", "his", "her"})
_STOP = frozenset({
    "that", "which", "who", "whom", "whose", "and", "but", "or", "as", "while", "when",
    "because", "if", "so", "than", "then", "where", "though", "although", "after", "before",
    "since", "until", "what", "how", "why", "is", "are", "was", "were", "be", "been", "being",
    "has", "have", "had", "do", "does", "did", "will", "would", "could", "should", "may",
    "might", "must", "can", "not", "to", "with", "by", "said", "says", "told", "reported",
    "citing", "quoting", "according", "saying", "adding", "against", "into", "about", "over",
})
_KEEP_ED = frozenset({"armed", "united", "unnamed", "informed", "related", "unidentified",
                      "named", "based", "elected", "appointed"})
_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you", "this", "that", "these",
                       "those", "one", "someone", "somebody"})
_DOCUMENT_WORDS = re.compile(
    r"\s*(?:(?:a|an|the)\s+)?(?:(?:new|latest|recent|its|their)\s+)?(?:data|figures|estimates?"
    r"|information|reports?|assessments?|briefings?|statements?|documents?|intelligence)\s+"
    r"(?:from|by|of|released\s+by)\s+", re.IGNORECASE)
_WORD_RE = re.compile(r"(?:[A-Za-z]\.){2,}|@?\w(?:[\w'\u2019-]*\w)?")
_VERB_RE = re.compile(
    rf"\b(?P<acc>[Aa]ccording\s+to)\b|\b(?P<cite>{'|'.join(_CITING)})\b"
    rf"|\b(?P<pass>{'|'.join(_PASSIVE)})\s+by\b|\b(?P<speech>{'|'.join(_SPEECH)})\b",
    re.IGNORECASE,
)
_MEDIA_KINDS = frozenset({"news_agency", "news_outlet", "broadcaster", "state_media"})
_ASIDE_RE = re.compile(r"\s*,\s*(?:citing|quoting)\s[^,;:]{1,150},\s*\Z", re.IGNORECASE)
_LEADING_DATE_RE = re.compile(r"\s*(?:(?:Earlier|Late|Early)\s+)?(?:[Oo]n\s+)?")


@dataclass
class _Link:
    name: str
    verb: str
    start: int
    end: int
    date: str | None = None
    before: list[_Link] | None = None  # relays outside this link ("quoted by KCNA")
    after: list[_Link] | None = None  # sources it cites


def extract_chain(sentence: str, *, published: datetime.date | None = None) -> list[ProposedLink]:
    """The attribution chain one sentence states, outermost first.

    ``published`` (the article's date) anchors relative dates: "in April" is the latest April
    on or before it, "on Friday" the latest Friday on or before it.
    """
    outer: list[_Link] = []  # "according to X": outside every speaker in the sentence
    speakers: list[_Link] = []
    pending: list[_Link] = []  # "Citing X, lawmakers said": waits for its speaker
    orphans: list[_Link] = []
    for m in _VERB_RE.finditer(sentence):
        if m.group("acc"):
            link = _object_link(sentence, m.end(), "according")
            if link is not None:
                outer.append(link)
        elif m.group("cite"):
            link = _object_link(sentence, m.end(), _CITING[m.group("cite").lower()])
            if link is None:
                continue
            if speakers:
                speakers[-1].after = [*(speakers[-1].after or []), link]
            else:
                pending.append(link)
        elif m.group("pass"):
            link = _object_link(sentence, m.end(), _PASSIVE[m.group("pass").lower()])
            if link is None:
                continue
            link.date = _date_after(sentence, link.end, published)
            if speakers:
                speakers[-1].before = [*(speakers[-1].before or []), link]
            else:
                orphans.append(link)
        else:
            speaker = _speaker(sentence, m, published)
            if speaker is None:
                continue
            if pending:
                speaker.after, pending = pending, []
            speakers.append(speaker)
    if speakers and speakers[0].date is None:
        speakers[0].date = _leading_date(sentence, speakers[0].start, published)
    chain: list[_Link] = [*outer, *orphans]
    for s in speakers:
        chain += [*(s.before or []), s, *(s.after or [])]
    chain += pending
    return [ProposedLink(x.name, x.verb, x.date, x.start, x.end) for x in chain]


def _speaker(sentence: str, m: re.Match[str], published: datetime.date | None) -> _Link | None:
    verb_word = m.group("speech").lower()
    start, end = m.span("speech")
    words_before = _words_before(sentence, start, 1)
    if words_before and words_before[-1].lower() in _PASSIVE_AUX:
        return None  # "was reported": a passive, its agent is read by the "by" branch
    if verb_word in _WEAK_SPEECH and not _WEAK_FOLLOW_RE.match(sentence, end):
        return None
    verb = _SPEECH[verb_word]
    link = _subject_link(sentence, start, verb)
    audience: _Link | None = None
    if verb == "told":
        audience = _object_link(sentence, end, "reported")
    if link is None:
        link = _inverted_subject(sentence, end, verb)  # '"...," said Kim.'
        if link is None:
            return None
    tail = audience.end if audience is not None else end
    link.date = _date_after(sentence, tail, published)
    if audience is not None and guess_source_kind(audience.name) in _MEDIA_KINDS:
        link.before = [audience]  # "officials told the BBC": the BBC relays them
    return link


# --- names -------------------------------------------------------------------------------

def _words_before(sentence: str, pos: int, count: int) -> list[str]:
    return _WORD_RE.findall(sentence[max(0, pos - 40):pos])[-count:]


def _subject_link(sentence: str, verb_start: int, verb: str) -> _Link | None:
    """The noun phrase right before a verb: "South Korean lawmakers" in "..., South Korean
    lawmakers said". Scans back over words only, up to a clause boundary."""
    aside = _ASIDE_RE.search(sentence, max(0, verb_start - 200), verb_start)
    if aside is not None:
        verb_start = aside.start()  # "The army, quoting a commander, said": skip the aside
    words = [(w.start(), w.end(), w.group()) for w in _WORD_RE.finditer(
        sentence, max(0, verb_start - 120), verb_start)]
    kept: list[tuple[int, int, str]] = []
    pos = verb_start
    skipping_adverbs = True
    for start, end, word in reversed(words):
        gap = sentence[end:pos]
        if gap.strip(" \t\u00a0"):
            break  # punctuation between: a clause boundary
        low = word.lower()
        if skipping_adverbs and low in _ADVERBS:
            pos = start
            continue
        skipping_adverbs = False
        if low in _STOP or (word[0].islower() and low.endswith(("ing", "ly"))) or (
                word[0].islower() and low.endswith("ed") and low not in _KEEP_ED):
            break
        if _DATE_RE.fullmatch(word) or len(kept) >= 8:
            break
        kept.append((start, end, word))
        pos = start
    return _make_link(sentence, list(reversed(kept)), verb)


def _object_link(sentence: str, pos: int, verb: str) -> _Link | None:
    """The noun phrase right after "citing", "according to", "quoted by", "told"."""
    m = _DOCUMENT_WORDS.match(sentence, pos)
    if m is not None:
        pos = m.end()  # "citing data from the NIS": the NIS is the source
    kept: list[tuple[int, int, str]] = []
    for w in _WORD_RE.finditer(sentence, pos, min(len(sentence), pos + 160)):
        gap = sentence[kept[-1][1] if kept else pos:w.start()]
        if gap.strip(" \t\u00a0"):
            break
        low = w.group().lower()
        if low in _STOP or _DATE_RE.match(sentence, w.start()):
            break  # "told the BBC on Friday": the date is not part of the name
        if (w.group()[0].islower() and low.endswith("ing")) or len(kept) >= 8:
            break
        kept.append((w.start(), w.end(), w.group()))
    while kept and kept[-1][2].lower() in ("on", "in", "at", "of", "the", "a", "an", "for"):
        kept.pop()  # "told the BBC on": the date that followed was cut off
    return _make_link(sentence, kept, verb)


def _inverted_subject(sentence: str, pos: int, verb: str) -> _Link | None:
    link = _object_link(sentence, pos, verb)
    if link is None or not (link.name[0].isupper() or link.name.lower().startswith("the ")):
        return None
    return link


def _make_link(sentence: str, words: list[tuple[int, int, str]], verb: str) -> _Link | None:
    if not words:
        return None
    first, last = words[0], words[-1]
    if len(words) > 1 and first[2].lower() == "the" and words[1][2][0].isupper():
        first = words[1]  # "the BBC" -> "BBC"; "the country's intelligence agency" stays
    name = sentence[first[0]:last[1]]
    if name.lower() in _PRONOUNS or all(w[2].lower() in _DETERMINERS or not w[2].isalpha()
                                        for w in words):
        return None  # "he said", "an estimated": no name
    return _Link(name, verb, first[0], last[1])


# --- dates -------------------------------------------------------------------------------

def _date_after(sentence: str, pos: int, published: datetime.date | None) -> str | None:
    """The date stated in the rest of the clause after ``pos`` ("said in April,")."""
    clause = re.match(r"[^,;:.!?\"\u201c\u201d]{0,60}", sentence[pos:])
    text = clause.group() if clause else ""
    m = _DATE_RE.search(text)
    return _resolve(m, published) if m else None


def _leading_date(sentence: str, limit: int, published: datetime.date | None) -> str | None:
    """ "On Friday, KCNA said": a date opening the sentence belongs to its first speaker."""
    m = _DATE_RE.match(sentence, _LEADING_DATE_RE.match(sentence).end())  # type: ignore[union-attr]
    if m is None or m.end() > limit or not sentence[m.end():limit].lstrip().startswith(","):
        return None
    return _resolve(m, published)


def _resolve(m: re.Match[str], published: datetime.date | None) -> str | None:
    g = m.groupdict()
    try:
        if g["wd"]:
            if published is None:
                return None
            back = (published.weekday() - _WEEKDAYS[g["wd"]]) % 7
            return (published - datetime.timedelta(days=back)).isoformat()
        if g["m1"] or g["m2"]:
            month = _MONTHS[g["m1"] or g["m2"]]
            day = int(g["d1"] or g["d2"])
            year_text = g["y1"] or g["y2"]
            if year_text:
                return datetime.date(int(year_text), month, day).isoformat()
            if published is None:
                return None
            candidate = datetime.date(published.year, month, day)
            if candidate > published:
                candidate = datetime.date(published.year - 1, month, day)
            return candidate.isoformat()
        if g["m3"]:
            month = _MONTHS[g["m3"]]
            if g["y3"]:
                return f"{int(g['y3']):04d}-{month:02d}"
            if published is None:
                return None
            year = published.year if month <= published.month else published.year - 1
            return f"{year:04d}-{month:02d}" if year >= 1 else None
        if g["y4"]:
            return g["y4"]
        return _relative(g["rel"].lower().split(), published) if g["rel"] else None
    except (ValueError, OverflowError):
        return None  # "February 30", or a day before datetime.date.min


def _relative(words: list[str], published: datetime.date | None) -> str | None:
    if published is None:
        return None
    if words == ["today"]:
        return published.isoformat()
    if words == ["yesterday"]:
        return (published - datetime.timedelta(days=1)).isoformat()
    if words[-1] == "month":
        last = published.replace(day=1) - datetime.timedelta(days=1)
        return f"{last.year:04d}-{last.month:02d}"
    return f"{published.year - 1:04d}" if published.year > 1 else None  # last year


# --- source kinds ------------------------------------------------------------------------

def _kind_re(words: str, acronyms: str = "") -> re.Pattern[str]:
    parts = [rf"(?i:\b(?:{words})\b)"] if words else []
    if acronyms:
        parts.append(rf"\b(?:{acronyms})\b")  # case matters: "WHO", not "who"
    return re.compile("|".join(parts))


# Checked in order: the first match wins ("state news agency" before "news agency").
_KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("social_media_account", re.compile(r"^@\w+|\b(?:Telegram|X|Twitter|Facebook|Instagram)"
                                        r"\s+(?:account|channel|post)\b")),
    ("intelligence_agency", _kind_re(
        r"intelligence\s+(?:agency|service|services|directorate|bureau)|spy\s+agency"
        r"|national\s+intelligence\s+service|secret\s+service",
        "NIS|CIA|MI6|FSB|GRU|SVR|Mossad|HUR|SBU|DIA|NSA")),
    ("legislator", _kind_re(
        r"lawmakers?|legislators?|MPs?|senators?|congress(?:wo)?man|congressmen|representatives"
        r"|parliamentarians?|members?\s+of\s+parliament|assemblym[ae]n", "MP|MPs")),
    ("legislature", _kind_re(
        r"parliament|congress|national\s+assembly|senate|duma|legislature|bundestag|knesset"
        r"|house\s+of\s+(?:representatives|commons|lords)|intelligence\s+committee")),
    ("state_media", _kind_re(
        r"state\s+(?:media|television|tv|news\s+agency|broadcaster|radio|newspaper)"
        r"|korean\s+central\s+news\s+agency|rodong\s+sinmun|state-run|state-owned",
        "KCNA|KCTV|Xinhua|TASS|RIA|CCTV|CGTN|IRNA")),
    ("news_agency", _kind_re(
        r"reuters|associated\s+press|agence\s+france-presse|bloomberg|yonhap|kyodo|interfax"
        r"|news\s+agency|wire\s+service", "AP|AFP|dpa|UPI|PTI|ANI|EFE|ANSA")),
    ("broadcaster", _kind_re(
        r"broadcaster|television|radio|sky\s+news|al\s+jazeera|fox\s+news|france\s+24"
        r"|deutsche\s+welle", "BBC|CNN|NHK|KBS|MBC|SBS|NPR|ABC|CBS|NBC|DW|TV")),
    ("news_outlet", _kind_re(
        r"newspaper|times|post|journal|guardian|herald|daily|gazette|tribune|telegraph"
        r"|economist|politico|axios|magazine|outlet|news|media|tabloid")),
    ("international_organization", _kind_re(
        r"united\s+nations|world\s+health\s+organization|world\s+bank|european\s+union"
        r"|red\s+cross|african\s+union|international\s+atomic\s+energy\s+agency",
        "UN|NATO|WHO|IAEA|UNHCR|OCHA|UNICEF|IMF|EU|ICRC|OSCE|ASEAN|WFP")),
    ("ngo", _kind_re(
        r"amnesty|human\s+rights\s+watch|doctors\s+without\s+borders|ngo|charity|foundation"
        r"|non-?profit|watchdog|observatory|aid\s+group|rights\s+group|monitoring\s+group",
        "HRW|MSF")),
    ("research", _kind_re(
        r"institute|university|think[\s-]tank|researchers?|study|analysts?|academy|scholars?"
        r"|professor|experts?|laboratory", "ISW|RUSI|CSIS|IISS|SIPRI")),
    ("anonymous_officials", _kind_re(
        r"officials?|sources?|diplomats?|people\s+familiar|person\s+familiar|insiders?")),
    ("military", _kind_re(
        r"military|army|armed\s+forces|navy|air\s+force|joint\s+chiefs|general\s+staff"
        r"|defen[cs]e\s+forces|pentagon|marines|command|troops|commanders?", "JCS|IDF")),
    ("government", _kind_re(
        r"ministry|minister|government|kremlin|white\s+house|state\s+department|cabinet"
        r"|embassy|presidential\s+office|administration|spokes(?:person|man|woman)|president"
        r"|prime\s+minister|authorities|mayor|governor|department|office")),
)
_NAME_WORD = re.compile(r"[A-Z][a-z]+(?:-[A-Z]?[a-z]+)?")


def guess_source_kind(name: str) -> str:
    """Propose a source kind (one of ``SOURCE_KINDS``) from the words of a name."""
    for kind, rule in _KIND_RULES:
        if rule.search(name):
            return kind
    words = name.split()
    if 2 <= len(words) <= 4 and all(_NAME_WORD.fullmatch(w) for w in words):
        return "person"  # "Kim Jong Un", "Yoon Suk-yeol"
    return "other"


# --- sentences ---------------------------------------------------------------------------

_ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "maj", "cpl", "adm", "rep",
    "sen", "gov", "st", "jr", "sr", "inc", "ltd", "co", "corp", "no", "nos", "vs", "etc", "eg",
    "ie", "approx", "dept", "est", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "mt", "ft", "rev", "hon",
})
_END_RE = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s)|\n\s*\n")
_NEXT_RE = re.compile(r"\s+(\S)")
_LAST_WORD_RE = re.compile(r"(?:[A-Za-z]\.)*[A-Za-z]+\Z")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``, without surrounding whitespace.

    A full stop ends a sentence only before a capital, a digit or an opening quote, and not
    after a title or abbreviation ("Mr.", "Gen.", "U.S.") or a single initial ("Kim J. Un").
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _END_RE.finditer(text):
        end = m.end()
        if m.group()[0] != "\n" and not _ends_sentence(text, m.start(), end, m.group()[0] == "."):
            continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def _ends_sentence(text: str, mark: int, end: int, full_stop: bool) -> bool:
    nxt = _NEXT_RE.match(text, end)
    if nxt is None:
        return True
    first = nxt.group(1)
    if not (first.isupper() or first.isdigit() or first in "\"'\u201c\u2018("):
        return False  # '"What?" he asked', "forces... proved"
    if not full_stop:
        return True
    word = _LAST_WORD_RE.search(text, max(0, mark - 30), mark)
    if word is None:
        return True
    before = word.group().lower()
    if "." in before or (len(before) == 1 and word.group().isupper()):
        return False  # "U.S." or an initial
    if before == "no":
        return not first.isdigit()  # "No. 5"
    return before not in _ABBREVIATIONS


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
