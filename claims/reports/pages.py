"""Selectors for the report pages: what each page shows, read in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from claims.models import AttributionLink, Claim, Figure, Flag, FlagKind, FlagStatus, Metric
from claims.reports import charts
from claims.reports.rows import chains_of
from sources.models import Source

# A page is for reading: past this many figures or mentions it says how many were left out.
PAGE_LIMIT = 500


@dataclass
class ChainView:
    links: list[AttributionLink]
    grades: list[tuple[str, bool]]
    svg: str


def link_grade(link: AttributionLink) -> tuple[str, bool]:
    """(grade, inherited) of the link's source, by Source.effective_reliability."""
    grade = link.source.effective_reliability()
    return grade, bool(grade) and not link.source.reliability


def claim_page(claim: Claim) -> dict:
    chains = []
    for index, links in enumerate(chains_of(claim), start=1):
        grades = [link_grade(link) for link in links]
        label = f"Chain {index}: " + " cites ".join(link.source.name for link in links)
        chains.append(ChainView(links, grades, charts.chain_svg(links, grades, label)))
    flags = (Flag.objects.filter(Q(claim_a=claim) | Q(claim_b=claim))
             .select_related("metric", "claim_a", "claim_b").order_by("status", "code"))
    history = []
    records = list(claim.history.select_related("history_user").order_by("-history_date", "-history_id")[:50])
    for record, older in zip(records, [*records[1:], None], strict=True):
        changes = record.diff_against(older).changes if older is not None else []
        history.append({"record": record, "changes": [c.field for c in changes]})
    return {
        "claim": claim,
        "figures": claim.figures.select_related("metric").order_by("position"),
        "chains": chains,
        "flags": flags,
        "history": history,
        "tags": claim.tags.all(),
    }


def metric_page(metric: Metric) -> dict:
    """The metric's figures on a timeline, coloured by the root of their claim's first origin, with
    the pairs of figures that open conflict flags name joined in red."""
    figures = list(Figure.objects.filter(metric=metric).select_related("claim")
                   .order_by("as_of", "claim_id", "position")[:PAGE_LIMIT])
    total = Figure.objects.filter(metric=metric).count()
    claim_chains: dict[int, list[AttributionLink]] = {}
    for link in (AttributionLink.objects.filter(attribution__claim_id__in={f.claim_id for f in figures})
                 .select_related("source__parent", "document", "attribution")
                 .order_by("attribution__claim_id", "attribution__position", "position")):
        first = claim_chains.setdefault(link.attribution.claim_id, [])
        if not first or first[0].attribution_id == link.attribution_id:
            first.append(link)
    entries = []
    for figure in figures:
        chain = claim_chains.get(figure.claim_id, [])
        origin = chain[-1].source.root().name if chain else "no attribution"
        entries.append((figure, chain, origin))
    conflicts = list(Flag.objects.filter(metric=metric, kind=FlagKind.CONFLICT, status=FlagStatus.OPEN)
                     .select_related("claim_a", "claim_b", "figure_a", "figure_b"))
    pairs = [(f.figure_a_id, f.figure_b_id) for f in conflicts if f.figure_a_id and f.figure_b_id]
    conflicted = {pk for pair in pairs for pk in pair}
    plotted, undated = charts.plot_figures(entries, metric.tolerance, conflicted)
    return {
        "metric": metric,
        "chart": charts.timeline_svg(f"Figures for {metric.name} over time", metric.unit, plotted, pairs),
        "legend": charts.legend(plotted),
        "plotted": sorted(plotted, key=lambda p: (p.period.first, p.figure.pk)),
        "undated": undated,
        "conflicts": conflicts,
        "shown": len(figures),
        "total": total,
    }


def source_page(source: Source) -> dict:
    """What the source said (the links naming it), whom it cited (the next link down each of those
    chains) and who cited it (the link above)."""
    mentions = list(AttributionLink.objects.filter(source=source)
                    .select_related("attribution__claim", "document").order_by("-attribution__claim_id")[:PAGE_LIMIT])
    neighbours: dict[int, dict[int, AttributionLink]] = defaultdict(dict)
    for link in (AttributionLink.objects.filter(attribution_id__in={m.attribution_id for m in mentions})
                 .select_related("source")):
        neighbours[link.attribution_id][link.position] = link
    said, cited, cited_by = [], defaultdict(int), defaultdict(int)
    for mention in mentions:
        chain = neighbours[mention.attribution_id]
        below, above = chain.get(mention.position + 1), chain.get(mention.position - 1)
        said.append({"link": mention, "claim": mention.attribution.claim, "cites": below, "cited_by": above})
        if below is not None:
            cited[below.source] += 1
        if above is not None:
            cited_by[above.source] += 1
    return {
        "source": source,
        "grade": source.effective_reliability(),
        "parent_line": source.parent_line()[1:],
        "said": said,
        "cited": sorted(cited.items(), key=lambda kv: (-kv[1], kv[0].name)),
        "cited_by": sorted(cited_by.items(), key=lambda kv: (-kv[1], kv[0].name)),
        "total": AttributionLink.objects.filter(source=source).count(),
    }


def index_page() -> dict:
    return {
        "metrics": Metric.objects.order_by("name")[:PAGE_LIMIT],
        "claims": Claim.objects.order_by("-id")[:100],
        "sources": Source.objects.order_by("name")[:PAGE_LIMIT],
    }
