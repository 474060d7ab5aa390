"""The unverified flags' sentences: written from the chain rows the checks read for the rule, they
must say what the explanation context says when it reads the chains itself."""

from __future__ import annotations

import pytest

from claims.checks.engine import check_claims, sweep_all
from claims.checks.explain import ExplanationContext
from claims.models import Flag, FlagKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("run", ["sweep", "incremental"])
def test_unverified_sentences_name_every_origin_once_as_the_context_would(build, run):
    parent = build.source(grade="E")
    first, second = build.source(parent=parent), build.source(parent=parent)
    relay = build.source(grade="A")
    claim = build.claim(chains=[[relay, second], [relay, first], [first]])
    if run == "sweep":
        sweep_all()
    else:
        check_claims(claim_ids=[claim.pk])
    flags = {flag.code: flag.explanation for flag in Flag.objects.filter(kind=FlagKind.UNVERIFIED, claim_a=claim)}
    assert set(flags) == {"no_document", "low_reliability_origin", "single_origin"}
    context = ExplanationContext([], [claim.pk])
    for code, sentence in flags.items():
        assert sentence == context.unverified(code, claim.pk)
    names = ", ".join(sorted([first.name, second.name]))
    assert f"rests on one origin ({names})" in flags["single_origin"]
    assert relay.name not in flags["low_reliability_origin"]
