"""Sentences that tell an editor what a flag found, in newsroom words rather than rule names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch

from claims.checks.periods import SPAN_DAY, SPAN_MONTH
from claims.checks.rules import DECREASE, LOW_RELIABILITY, NO_ATTRIBUTION, NO_DOCUMENT, RELAY, SINGLE_ORIGIN
from claims.models import Attribution, AttributionLink, Figure
from sources.dates import Precision, human_partial_date

_PRECISION_OF_SPAN = {SPAN_DAY: Precision.DAY, SPAN_MONTH: Precision.MONTH}


def chain_words(attribution: Attribution) -> str:
    """'Western officials via BBC': the origin first, then who passed it on, outermost last."""
    names = [link.source.name for link in attribution.links.all()]
    return " via ".join(reversed(names)) if names else "no named source"


def figure_words(figure: Figure) -> str:
    return figure.text or figure.describe()


def figure_date_words(figure: Figure) -> str:
    """The period the checks compared, as the editor would say it: '13 January 2025', 'April 2025'."""
    if figure.check_first is None:
        return "undated"
    return human_partial_date(figure.check_first, _PRECISION_OF_SPAN.get(figure.check_span, Precision.YEAR))


class ExplanationContext:
    """Loads, in a few queries, the figures and chains that a batch of findings mentions."""

    def __init__(self, figure_ids: Iterable[int], claim_ids: Iterable[int]) -> None:
        self.figures = Figure.objects.select_related("metric").in_bulk(set(figure_ids))
        chains = Attribution.objects.filter(claim_id__in=set(claim_ids)).prefetch_related(
            Prefetch("links", queryset=AttributionLink.objects.select_related("source").order_by("position"))
        ).order_by("claim_id", "position")
        self.chains: dict[int, list[Attribution]] = defaultdict(list)
        for chain in chains:
            self.chains[chain.claim_id].append(chain)

    def _side(self, figure_id: int | None, claim_id: int) -> str:
        figure = self.figures.get(figure_id)
        chains = self.chains.get(claim_id)
        who = chain_words(chains[0]) if chains else "no named source"
        if figure is None:
            return f"a figure ({who})"
        return f"{figure_words(figure)} ({who}, {figure_date_words(figure)})"

    def conflict(self, code: str, claim_a: int, claim_b: int, figure_a: int | None, figure_b: int | None) -> str:
        side_a, side_b = self._side(figure_a, claim_a), self._side(figure_b, claim_b)
        if code == DECREASE:
            fa, fb = self.figures.get(figure_a), self.figures.get(figure_b)
            if fa and fb and fa.check_first and fb.check_first and fb.check_first < fa.check_first:
                side_a, side_b, fa = side_b, side_a, fb
            metric = fa.metric.name if fa else "this metric"
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
        origins = sorted({chain.links.all()[len(chain.links.all()) - 1].source.name
                          for chain in chains if chain.links.all()})
        who = ", ".join(origins) or "no named source"
        return {
            NO_ATTRIBUTION: "Nobody is on record for this claim: it has no attribution chain.",
            NO_DOCUMENT: "No link of this claim's attribution names a document, so there is nothing to reread "
            "or archive.",
            LOW_RELIABILITY: f"Every origin of this claim ({who}) is graded D, E or F, or has no grade on its "
            "whole parent line.",
            SINGLE_ORIGIN: f"This claim rests on one origin ({who}) and no independent claim confirms its figures.",
        }.get(code, code)
