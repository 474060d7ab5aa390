"""Which period a figure is about, when the figure itself does not say.

DESIGN.md: a figure's date is its `as_of`; without one, the date of the innermost link that has a
date in the claim's first chain; without that, the published date of the first document in that
chain. The innermost dated link is the closest we have to when the origin spoke; the document is the
last resort because publication can come long after the statement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from sources.dates import Period, Precision, period_of

# The length class of a period, stored on the figure so that index range scans can bound how far
# back a period that ends inside a window may start.
SPAN_DAY, SPAN_MONTH, SPAN_YEAR = 0, 1, 2
SPAN_OF = {Precision.DAY: SPAN_DAY, Precision.MONTH: SPAN_MONTH, Precision.YEAR: SPAN_YEAR}
# The longest period of each class, minus one day: how far before a window a period may start.
SPAN_REACH_DAYS = {SPAN_DAY: 0, SPAN_MONTH: 30, SPAN_YEAR: 365}


class DatedAt(NamedTuple):
    date: dt.date
    precision: str


class ChainLink(NamedTuple):
    """What the fallback needs of one link of a claim's first chain."""

    position: int
    date: dt.date | None
    date_precision: str
    has_document: bool
    published: dt.date | None
    published_precision: str


def chain_date(links: Iterable[ChainLink]) -> DatedAt | None:
    """The date a claim's first chain gives its undated figures (see the module docstring)."""
    ordered = sorted(links, key=lambda link: link.position)
    for link in reversed(ordered):
        if link.date is not None:
            return DatedAt(link.date, link.date_precision)
    for link in ordered:
        if link.has_document:
            return DatedAt(link.published, link.published_precision) if link.published else None
    return None


def figure_period(as_of: dt.date | None, precision: str, fallback: DatedAt | None) -> Period | None:
    """The period a figure is about, or None: an undated figure is never compared."""
    if as_of is not None:
        return period_of(as_of, precision)
    if fallback is not None:
        return period_of(fallback.date, fallback.precision)
    return None


def figure_dated_at(as_of: dt.date | None, precision: str, fallback: DatedAt | None) -> DatedAt | None:
    if as_of is not None:
        return DatedAt(as_of, precision)
    return fallback


def span_class(period: Period) -> int:
    days = (period.last - period.first).days
    if days == 0:
        return SPAN_DAY
    return SPAN_MONTH if days <= SPAN_REACH_DAYS[SPAN_MONTH] else SPAN_YEAR

