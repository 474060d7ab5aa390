"""Property: edits checked one by one through the incremental path leave the same open flags as a
full sweep would."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.checks.engine import checks_run, sweep_all
from claims.checks.neighbours import gone_record
from claims.models import Attribution, AttributionLink, Figure, Flag
from tests.checks.conftest import Builder

pytestmark = pytest.mark.django_db

EDITS = st.lists(st.tuples(
    st.sampled_from(["value", "qualifier", "as_of", "add", "delete", "status", "chain", "unchain"]),
    st.integers(0, 4), st.sampled_from([100, 450, 540, 600, 660, 1000]), st.integers(-60, 60),
), min_size=1, max_size=6)


def open_keys() -> set[tuple]:
    return set(Flag.objects.filter(status="open").values_list("kind", "code", "metric_id", "claim_a_id", "claim_b_id"))


def scene(build: Builder):
    metrics = [build.metric(cumulative=True, window=7), build.metric(window=31, tolerance="0")]
    top = build.source(grade="A")
    sources = [top, build.source(parent=top), build.source(grade="E"), build.source()]
    claims = []
    for i in range(5):
        claims.append(build.claim(
            figures=[(metrics[i % 2], ["exact", "approximate", "at_least"][i % 3], str(400 + 150 * i),
                      f"2025-0{1 + i % 3}-1{i}")],
            chains=[[sources[i % 4]], [sources[(i + 1) % 4]]][: 1 + i % 2],
        ))
    return metrics, sources, claims


def apply(edit, metrics, sources, claims) -> tuple[list[int], list[int], list[dict]]:
    """One edit, and what the model signals would queue for it."""
    op, index, value, shift = edit
    claim = claims[index]
    figure = Figure.objects.filter(claim=claim).order_by("position").first()
    if op in ("value", "qualifier", "as_of") and figure is None:
        op = "add"
    if op == "value":
        figure.value = Decimal(value)
        figure.save()
    elif op == "qualifier":
        figure.qualifier = ["exact", "approximate", "at_least", "more_than", "at_most", "less_than"][value % 6]
        figure.save()
    elif op == "as_of":
        figure.as_of = dt.date(2025, 2, 1) + dt.timedelta(days=shift)
        figure.as_of_precision = "day" if shift % 3 else "month"
        if figure.as_of_precision == "month":
            figure.as_of = figure.as_of.replace(day=1)
        figure.save()
    elif op == "add":
        position = 1 + max(Figure.objects.filter(claim=claim).values_list("position", flat=True), default=0)
        Figure.objects.create(claim=claim, position=position, metric=metrics[shift % 2], qualifier="approximate",
                              value=Decimal(value), as_of=dt.date(2025, 1, 1) + dt.timedelta(days=shift + 60),
                              as_of_precision="day")
    elif op == "delete" and figure is not None:
        gone = gone_record(figure)
        figure.delete()
        return [claim.pk], [figure.metric_id], [gone] if gone else []
    elif op == "status":
        claim.status = ["unreviewed", "in_review", "false"][value % 3]
        claim.save()
    elif op == "chain":
        position = 1 + max(Attribution.objects.filter(claim=claim).values_list("position", flat=True), default=0)
        chain = Attribution.objects.create(claim=claim, position=position)
        AttributionLink.objects.create(attribution=chain, position=0, source=sources[shift % 4])
    elif op == "unchain":
        Attribution.objects.filter(claim=claim).order_by("-position")[:1].get().delete() if Attribution.objects.filter(
            claim=claim).exists() else None
    return [claim.pk], [], []


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_it_keeps_incremental_flags_equal_to_a_full_sweep(edits):
    assert_checked_edits_agree_with_a_sweep(scene, edits, open_keys)


def assert_checked_edits_agree_with_a_sweep(make_scene, edits, observe) -> None:
    """Apply the edits one by one, each checked as its queued task would check it; after each,
    what `observe` reads must be what a full sweep then leaves. Rolled back at the end."""
    with transaction.atomic():
        metrics, sources, claims = make_scene(Builder())
        sweep_all()
        for edit in edits:
            claim_ids, metric_ids, gone = apply(edit, metrics, sources, claims)
            checks_run(claim_ids=claim_ids, metric_ids=metric_ids, gone=gone)
            incremental = observe()
            sweep_all()
            assert incremental == observe(), edit
        transaction.set_rollback(True)


def crowded_scene(build: Builder):
    """Many agreeing claims close together in one metric, from a few independent origins: the edited
    claim's neighbours are mostly matched already, so the incremental path proves matches in the
    database and skips most of them (claims.checks.neighbours)."""
    metrics = [build.metric(cumulative=True, window=10), build.metric(window=20, tolerance="0.05")]
    roots = [build.source(grade="A"), build.source(grade="B"), build.source()]
    sources = [*roots, build.source(parent=roots[0])]
    claims = []
    for i in range(14):
        day = dt.date(2025, 3, 1) + dt.timedelta(days=3 * i)
        claims.append(build.claim(
            figures=[(metrics[i % 2], ["approximate", "at_least", "exact", "at_most"][i % 4], str(580 + 5 * i),
                      day.isoformat() if i % 5 else day.strftime("%Y-%m"))],
            chains=[[sources[i % 4]]] if i % 7 else [],
        ))
    return metrics, sources, claims


def stored_matches() -> dict[int, bool | None]:
    return dict(Figure.objects.values_list("id", "checked__check_matched"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS)
def test_it_keeps_corroboration_in_a_crowded_metric_equal_to_a_full_sweep(edits):
    assert_checked_edits_agree_with_a_sweep(crowded_scene, edits, lambda: (open_keys(), stored_matches()))
