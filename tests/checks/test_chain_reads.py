"""A sweep group reads its claims' chains once (facts.claim_chains) and derives the origin roots,
the fallback dates and the sentences' source names from them. Each must say what the reads made
for one purpose say, on a synthetic newsroom and on the odd chains it never makes."""

from __future__ import annotations

import datetime as dt

import pytest

from claims.checks import facts
from claims.checks.engine import sweep_all
from claims.checks.explain import ExplanationContext
from claims.checks.idsets import ids_filters
from claims.models import Attribution, AttributionLink, Claim, Figure, Flag, FlagKind
from claims.synthetic import SyntheticPlan, generate
from sources.models import Document

pytestmark = pytest.mark.django_db


def _odd_claims(build) -> list[int]:
    """Claims whose chains the generator never writes: an empty first chain before a full one, a
    dated link after an undated one, documents with and without a publication date."""
    top = build.source(grade="B")
    inner = build.source(parent=top)
    relay = build.source(grade="A")
    metric = build.metric()
    empty_first = build.claim(figures=[(metric, "exact", "10", None)], chains=[[], [relay, inner]])
    dated_later = build.claim(figures=[(metric, "exact", "10", None)], chains=[[relay, inner], [inner]])
    links = AttributionLink.objects.filter(attribution__claim=dated_later).order_by("attribution__position", "position")
    first_link, second_link = links[0], links[1]
    second_link.date, second_link.date_precision = dt.date(2024, 3, 1), "month"
    second_link.save()
    published = Document.objects.create(key="doc-p", title="A report", publisher=relay, published=dt.date(2024, 5, 2),
                                        published_precision="day")
    first_link.document = published
    first_link.save()
    only_document = build.claim(figures=[(metric, "exact", "10", None)], chains=[[relay]])
    unpublished = Document.objects.create(key="doc-u", title="A note", publisher=relay)
    AttributionLink.objects.filter(attribution__claim=only_document).update(document=unpublished)
    no_chain = build.claim(figures=[(metric, "exact", "10", None)])
    return [empty_first.pk, dated_later.pk, only_document.pk, no_chain.pk]


def test_one_read_gives_the_roots_dates_and_names_of_the_separate_reads(build):
    generate(SyntheticPlan(claims=300, seed=4))
    ids = sorted(Claim.objects.values_list("id", flat=True)) + _odd_claims(build)
    ids = sorted(set(ids))
    tree = facts.SourceTree()
    chains = facts.claim_chains(ids)

    assert facts.roots_of_chains(chains, tree) == facts.origin_roots(ids, tree)
    given_dates, read_dates = facts.dates_of_chains(chains, ids), facts.first_chain_dates(ids)
    assert any(date is not None for date in read_dates.values())
    assert all(given_dates.get(claim_id) == read_dates.get(claim_id) for claim_id in ids)
    read = ExplanationContext([], ids)
    given = ExplanationContext([], ids, chain_names=lambda claim_id: [
        [tree.name(sid) for sid in facts.chain_sources(chain)] for chain in chains.get(claim_id, [])
    ])
    assert {k: v for k, v in given.chains.items() if v} == {k: v for k, v in read.chains.items() if v}


def test_a_range_reads_the_same_chains_as_the_ids_in_it(build):
    generate(SyntheticPlan(claims=120, seed=9))
    ids = sorted(Claim.objects.values_list("id", flat=True))
    assert facts.claim_chains(ids[10:50], (ids[10], ids[49])) == facts.claim_chains(ids[10:50])


def test_a_first_chain_without_links_gives_no_fallback_date(build):
    empty_first, dated_later, only_document, no_chain = _odd_claims(build)
    dates = facts.dates_of_chains(facts.claim_chains([empty_first, dated_later, only_document, no_chain]),
                                  [empty_first, dated_later, only_document, no_chain])
    assert dates[empty_first] is None
    assert dates[dated_later].date == dt.date(2024, 3, 1)  # the innermost dated link wins
    assert dates[only_document] is None  # a document without a publication date dates nothing
    assert no_chain not in dates


def test_sweep_sentences_name_the_first_chain_as_the_context_does(build):
    metric = build.metric()
    a, b = build.source(), build.source()
    relay = build.source()
    first = build.claim(figures=[(metric, "exact", "100", "2024-03-02")], chains=[[relay, a], [b]])
    second = build.claim(figures=[(metric, "exact", "300", "2024-03-02")], chains=[[b]])
    sweep_all()
    flag = Flag.objects.get(kind=FlagKind.CONFLICT)
    figures = list(Figure.objects.filter(claim__in=[first, second]).order_by("claim_id").values_list("id", flat=True))
    context = ExplanationContext(figures, [first.pk, second.pk])
    assert flag.explanation == context.conflict(flag.code, flag.claim_a_id, flag.claim_b_id, flag.figure_a_id,
                                                flag.figure_b_id)
    assert f"{a.name} via {relay.name}" in flag.explanation


def test_sweep_sentences_say_of_each_figure_what_a_read_of_it_says(build):
    # A sweep group writes its sentences from the figure rows it read for the rules; the editors'
    # and the incremental path's sentences come from reading the flagged figures. Both must agree.
    generate(SyntheticPlan(claims=400, seed=5, outlier_share=0.2))
    sweep_all()
    flags = list(Flag.objects.filter(kind=FlagKind.CONFLICT))
    assert len(flags) > 20
    assert any(f.code == "cumulative_decrease" for f in flags) and any(f.code == "disjoint_figures" for f in flags)
    context = ExplanationContext([fid for f in flags for fid in (f.figure_a_id, f.figure_b_id)],
                                 [cid for f in flags for cid in (f.claim_a_id, f.claim_b_id)])
    for flag in flags:
        assert flag.explanation == context.conflict(flag.code, flag.claim_a_id, flag.claim_b_id, flag.figure_a_id,
                                                    flag.figure_b_id)


def test_the_any_lookup_selects_the_same_rows_as_in():
    generate(SyntheticPlan(claims=60, seed=3))
    ids = list(Attribution.objects.values_list("claim_id", flat=True))[::3]
    wanted = set(AttributionLink.objects.filter(attribution__claim_id__in=ids).values_list("id", flat=True))
    found = set()
    for where in ids_filters("attribution__claim_id", ids):
        found |= set(AttributionLink.objects.filter(where).values_list("id", flat=True))
    assert found == wanted and wanted
    assert list(ids_filters("id", [])) == []
    assert not Figure.objects.filter(id__any=[]).exists()
