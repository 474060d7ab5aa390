"""Helpers for the checks' tests: bundles built with the project's importer, flags read back as
(kind, code, metric key, claim keys) so they compare with the vectors' expected_flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claims.models import Flag, FlagStatus

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
VECTORS = SHARED / "contracts" / "vectors"


def load_bundle(data: dict) -> None:
    from claims.bundle.importer import bundle_import

    bundle_import(data={k: v for k, v in data.items() if k != "expected_flags"})


def open_flags() -> set[tuple]:
    rows = Flag.objects.filter(status=FlagStatus.OPEN).values_list(
        "kind", "code", "metric__key", "claim_a__key", "claim_b__key"
    )
    return {
        (kind, code, metric, tuple(sorted(k for k in (a, b) if k))) for kind, code, metric, a, b in rows
    }


def expected_flags(data: dict) -> set[tuple]:
    return {
        (f["kind"], f["code"], f.get("metric"), tuple(sorted(f["claims"]))) for f in data["expected_flags"]
    }


def vector_files() -> list[Path]:
    return sorted(VECTORS.glob("*.json")) if VECTORS.exists() else []


def read_vector(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture
def bundle():
    return load_bundle


class Builder:
    """Small records straight through the ORM, for tests that need a handful of rows."""

    def __init__(self) -> None:
        self.n = 0

    def _key(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n}"

    def source(self, parent=None, grade: str = ""):
        from sources.models import Source

        return Source.objects.create(key=self._key("s"), name=self._key("Source "), kind="government",
                                     parent=parent, reliability=grade)

    def metric(self, cumulative: bool = False, window: int = 31, tolerance: str = "0.1"):
        from decimal import Decimal

        from claims.models import Metric

        return Metric.objects.create(key=self._key("m"), name=self._key("Metric "), cumulative=cumulative,
                                     window_days=window, tolerance=Decimal(tolerance))

    def claim(self, *, figures=(), chains=(), status: str = "unreviewed"):
        from decimal import Decimal

        from claims.models import Attribution, AttributionLink, Claim, Figure
        from sources.dates import parse_partial_date

        claim = Claim.objects.create(key=self._key("c"), text="A claim", status=status)
        for position, (metric, qualifier, value, as_of) in enumerate(figures):
            first, precision = parse_partial_date(as_of) if as_of else (None, "")
            Figure.objects.create(claim=claim, position=position, metric=metric, qualifier=qualifier,
                                  value=Decimal(value), as_of=first, as_of_precision=precision)
        for position, sources in enumerate(chains):
            chain = Attribution.objects.create(claim=claim, position=position)
            for link_position, source in enumerate(sources):
                AttributionLink.objects.create(attribution=chain, position=link_position, source=source)
        return claim


@pytest.fixture
def build():
    return Builder()
