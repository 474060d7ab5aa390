"""Sentences that tell an editor what a flag found, in newsroom words rather than rule names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import NamedTuple

from claims.checks.idsets import ids_filters
from claims.checks.periods import SPAN_DAY, SPAN_MONTH
from claims.checks.rules import DECREASE, LOW_RELIABILITY, NO_ATTRIBUTION, NO_DOCUMENT, RELAY, SINGLE_ORIGIN
from claims.models import Attribution, Figure, describe_figure
from sources.dates import Precision, human_partial_date

_PRECISION_OF_SPAN = {SPAN_DAY: Precision.DAY, SPAN_MONTH: Precision.MONTH}


def chain_words(attribution: Attribution) -> str:
    """'Western officials via BBC': the origin first, then who passed it on, outermost last."""
    return names_words([link.source.name for link in attribution.links.all()])


def names_words(names: list[str]) -> str:
    """chain_words for a chain given as its source names, outermost first."""
    return " via ".join(reversed(names)) if names else "no named source"


def figure_words(figure: Figure) -> str:
    return figure.text or figure.describe()


def figure_date_words(figure: Figure) -> str:
    """The period the checks compared, as the editor would say it: '13 January 2025', 'April 2025'
    ('undated' before they have compared it: no check row)."""
    checked = getattr(figure, "checked", None)  # the reverse one-to-one raises an AttributeError when absent
    if checked is None:
        return period_words(None, None)
    return period_words(checked.check_first, checked.check_span)


def period_words(check_first: dt.date | None, check_span: int | None) -> str:
    if check_first is None:
        return "undated"
    return human_partial_date(check_first, _PRECISION_OF_SPAN.get(check_span, Precision.YEAR))


class _Said(NamedTuple):
    """What a sentence says of one figure."""

    words: str
    when: str
    first: dt.date | None
    metric: str


def figure_said(
    text: str, qualifier: str, value, lower, upper, check_first: dt.date | None, check_span: int | None, metric: str
) -> _Said:
    """What a sentence says of a figure: its own words (or a description of its value), the period
    the checks compared and its metric's name."""
    return _Said(text or describe_figure(qualifier, value, lower, upper), period_words(check_first, check_span),
                 check_first, metric)


# claim id -> its chains as lists of source names, outermost first, in chain order.
ChainNames = Callable[[int], list[list[str]]]
# figure id -> figure_said of it, or None, when the caller has read the figure (a sweep group).
FigureSaid = Callable[[int], "_Said | None"]


class ExplanationContext:
    """Loads, in a few queries, the figures and chains that a batch of findings mentions; the chains
    and figures come from `chain_names` and `figures_said` instead where the caller has already read
    them (a sweep group)."""

    def __init__(
        self, figure_ids: Iterable[int], claim_ids: Iterable[int], chain_names: ChainNames | None = None,
        figures_said: FigureSaid | None = None,
    ) -> None:
        self.figures: dict[int, _Said] = {}
        wanted = set(figure_ids)
        if figures_said is not None:
            self.figures = {fid: said for fid in wanted if (said := figures_said(fid)) is not None}
            wanted -= set(self.figures)
        # Plain rows, in chunks: a first sweep explains tens of thousands of conflicts, and a model
        # instance per figure (plus one query with every id in it) was most of the explaining.
        for where in ids_filters("id", sorted(wanted)):
            for fid, *fields in Figure.objects.filter(where).values_list(
                "id", "text", "qualifier", "value", "lower", "upper", "checked__check_first",
                "checked__check_span", "metric__name",
            ):
                self.figures[fid] = figure_said(*fields)
        # Chains as lists of source names (outermost first), read as plain rows: a first sweep
        # explains hundreds of thousands of flags, and model instances per link would dominate it.
        self.chains: dict[int, list[list[str]]] = defaultdict(list)
        if chain_names is not None:
            for claim_id in set(claim_ids):
                self.chains[claim_id] = chain_names(claim_id)
            return
        for where in ids_filters("claim_id", sorted(set(claim_ids))):
            rows = Attribution.objects.filter(where).order_by(
                "claim_id", "position", "id", "links__position"
            ).values_list("claim_id", "id", "links__source__name")
            current = None
            for claim_id, attribution_id, name in rows:
                if attribution_id != current:
                    current = attribution_id
                    self.chains[claim_id].append([])
                if name is not None:
                    self.chains[claim_id][-1].append(name)

    def _side(self, figure_id: int | None, claim_id: int) -> str:
        figure = self.figures.get(figure_id)
        chains = self.chains.get(claim_id)
        who = names_words(chains[0]) if chains else "no named source"
        if figure is None:
            return f"a figure ({who})"
        return f"{figure.words} ({who}, {figure.when})"

    def conflict(self, code: str, claim_a: int, claim_b: int, figure_a: int | None, figure_b: int | None) -> str:
        side_a, side_b = self._side(figure_a, claim_a), self._side(figure_b, claim_b)
        if code == DECREASE:
            fa, fb = self.figures.get(figure_a), self.figures.get(figure_b)
            if fa and fb and fa.first and fb.first and fb.first < fa.first:
                side_a, side_b, fa = side_b, side_a, fb
            metric = fa.metric if fa else "this metric"
            return (
                f"{side_b} is lower than the earlier {side_a}, but {metric} can only grow: "
                "the later figure cannot be true if the earlier one is."
            )
        sentence = f"{side_a} and {side_b} cannot both be true."
        if code == RELAY:
            sentence += (
                " Both go back to the same origin, so a relay may have misquoted it or the origin revised its figure."
            )
        return sentence

    def unverified(self, code: str, claim_id: int) -> str:
        chains = self.chains.get(claim_id, [])
        return unverified_sentence(code, [names[-1] for names in chains if names])


def unverified_sentence(code: str, origin_names: Iterable[str]) -> str:
    """The sentence of an unverified flag, given the names of the claim's origins (the last source of
    each chain). The sweep calls it with the chain rows it already read for the rule itself."""
    who = ", ".join(sorted(set(origin_names))) or "no named source"
    if code == NO_ATTRIBUTION:
        return "Nobody is on record for this claim: it has no attribution chain."
    if code == NO_DOCUMENT:
        return "No link of this claim's attribution names a document, so there is nothing to reread or archive."
    if code == LOW_RELIABILITY:
        return f"Every origin of this claim ({who}) is graded D, E or F, or has no grade on its whole parent line."
    if code == SINGLE_ORIGIN:
        return f"This claim rests on one origin ({who}) and no independent claim confirms its figures."
    return code
