"""Partial dates: 2025, 2025-04 or 2025-04-15, each standing for a period (year, month, day).

Stored as two columns, the first day of the period and its precision, so that the database can
sort and index them while the checks still know which period a date stands for.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.db import models


class Precision(models.TextChoices):
    YEAR = "year", "year"
    MONTH = "month", "month"
    DAY = "day", "day"


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class PartialDateError(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    """A closed interval of days [first, last]."""

    first: dt.date
    last: dt.date

    def gap_days(self, other: Period) -> int:
        """Days between two periods: 0 when they overlap, else from the earlier one's last day to
        the later one's first day (so consecutive days are 1 apart)."""
        if self.first <= other.last and other.first <= self.last:
            return 0
        if self.last < other.first:
            return (other.first - self.last).days
        return (self.first - other.last).days


def parse_partial_date(text: str) -> tuple[dt.date, str]:
    """'2025-04' -> (date(2025, 4, 1), 'month'). Raises PartialDateError with a readable reason."""
    match = _PARTIAL_DATE.match(text or "")
    if not match:
        raise PartialDateError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        if day:
            return dt.date(int(year), int(month), int(day)), Precision.DAY
        if month:
            return dt.date(int(year), int(month), 1), Precision.MONTH
        return dt.date(int(year), 1, 1), Precision.YEAR
    except ValueError as exc:
        raise PartialDateError(f"{text!r} is not a real date ({exc})") from None


def format_partial_date(value: dt.date | None, precision: str) -> str | None:
    if value is None:
        return None
    if precision == Precision.YEAR:
        return f"{value.year:04d}"
    if precision == Precision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def period_of(value: dt.date, precision: str) -> Period:
    """The days a partial date stands for: 2025-04 is 1 to 30 April."""
    if precision == Precision.YEAR:
        return Period(dt.date(value.year, 1, 1), dt.date(value.year, 12, 31))
    if precision == Precision.MONTH:
        last_day = calendar.monthrange(value.year, value.month)[1]
        return Period(dt.date(value.year, value.month, 1), dt.date(value.year, value.month, last_day))
    return Period(value, value)


def human_partial_date(value: dt.date | None, precision: str) -> str:
    """'April 2025', '13 January 2025', '2025' for explanations shown to editors."""
    if value is None:
        return "undated"
    if precision == Precision.YEAR:
        return str(value.year)
    if precision == Precision.MONTH:
        return value.strftime("%B %Y")
    return f"{value.day} {value.strftime('%B %Y')}"
