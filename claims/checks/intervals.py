"""Intervals of possible true values, compared exactly.

A figure's value is a decimal with at most 6 places and a tolerance has at most 6 places, so every
bound (v, v*(1-t), v*(1+t)) is an exact multiple of 10**-12. Bounds are kept as integers in those
units and each end is folded into one integer key that also encodes whether the end is open:
closed lower v -> 2v, open lower v -> 2v+1, closed upper v -> 2v, open upper v -> 2v-1. Then "a lies
wholly below b" is the single integer comparison hi_key(a) < lo_key(b), with the open ends right:
[500, 600] and (600, inf) give 1200 < 1201, so they do not overlap; [500, 600] and [600, inf) give
1200 < 1200, false, so they share 600. Integers keep the sweep fast and never round.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

SCALE = 10**12
_HALF = 10**6
# Larger than any key a 30-digit decimal can produce: the upper key of "no upper bound".
INFINITE_KEY = 10**60


class IntervalError(ValueError):
    pass


class Interval(NamedTuple):
    """An interval as two comparable keys (see the module docstring)."""

    lo_key: int
    hi_key: int

    @property
    def lo(self) -> Decimal:
        return Decimal(self.lo_key // 2) / SCALE

    @property
    def lo_open(self) -> bool:
        return self.lo_key % 2 == 1

    @property
    def hi(self) -> Decimal | None:
        """None when there is no upper bound."""
        if self.hi_key >= INFINITE_KEY:
            return None
        return Decimal((self.hi_key + 1) // 2) / SCALE

    @property
    def hi_open(self) -> bool:
        return self.hi_key >= INFINITE_KEY or self.hi_key % 2 == 1


def _units(value: Decimal, unit: int) -> int:
    scaled = Decimal(value) * unit
    if scaled != scaled.to_integral_value():
        raise IntervalError(f"{value} has more decimal places than the checks compare")
    return int(scaled)


def _closed_lo(units12: int) -> int:
    return 2 * units12


def _closed_hi(units12: int) -> int:
    return 2 * units12


def figure_interval(
    qualifier: str, value: Decimal | None, lower: Decimal | None, upper: Decimal | None, tolerance: Decimal
) -> Interval:
    """The possible true values a figure stands for, by its qualifier (DESIGN.md, "The checks"):
    exact v [v, v]; approximate v [v(1-t), v(1+t)]; at_least v [v, inf); more_than v (v, inf);
    at_most v [0, v]; less_than v [0, v); range [lower, upper]. Counts are never negative, hence the
    0 under at_most and less_than."""
    if qualifier == "range":
        if lower is None or upper is None:
            raise IntervalError("a range needs a lower and an upper bound")
        return Interval(_closed_lo(_units(lower, SCALE)), _closed_hi(_units(upper, SCALE)))
    if value is None:
        raise IntervalError(f"a figure qualified {qualifier!r} needs a value")
    v12 = _units(value, SCALE)
    if qualifier == "exact":
        return Interval(_closed_lo(v12), _closed_hi(v12))
    if qualifier == "approximate":
        v6, t6 = _units(value, _HALF), _units(tolerance, _HALF)
        return Interval(_closed_lo(v6 * (_HALF - t6)), _closed_hi(v6 * (_HALF + t6)))
    if qualifier == "at_least":
        return Interval(_closed_lo(v12), INFINITE_KEY)
    if qualifier == "more_than":
        return Interval(_closed_lo(v12) + 1, INFINITE_KEY)
    if qualifier == "at_most":
        return Interval(0, _closed_hi(v12))
    if qualifier == "less_than":
        return Interval(0, _closed_hi(v12) - 1)
    raise IntervalError(f"unknown qualifier {qualifier!r}")


def lies_below(a: Interval, b: Interval) -> bool:
    """Every value of a is smaller than every value of b."""
    return a.hi_key < b.lo_key


def overlaps(a: Interval, b: Interval) -> bool:
    """Some value is possible for both: the two figures can both be true."""
    return not (a.hi_key < b.lo_key or b.hi_key < a.lo_key)
