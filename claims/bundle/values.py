"""Turning bundle values into stored values: decimals that fit the columns, partial dates.

Each function returns (value, problem); the validator reports the problem and the writer uses the
value, so both read a field the same way.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from claims.models import DECIMAL
from sources.dates import PartialDateError, parse_partial_date

DECIMAL_PLACES = DECIMAL["decimal_places"]
INTEGER_DIGITS = DECIMAL["max_digits"] - DECIMAL["decimal_places"]


def to_decimal(value: Any, *, places: int = DECIMAL_PLACES, integer_digits: int = INTEGER_DIGITS) -> tuple[
    Decimal | None, str | None
]:
    """A JSON number as a Decimal that fits a column with `places` decimals and `integer_digits`
    digits before the point. Floats go through repr() so that 0.1 stays 0.1, not
    0.1000000000000000055..."""
    if value.__class__ is int or (value.__class__ is Decimal and value.is_finite()):
        # What a bundle file gives (jsonstream reads numbers as int or Decimal). Every figure number
        # is read twice, by the checks and by the writer, and a bundle repeats the same few numbers:
        # the answer depends only on the value (numerically equal ones normalise alike), so it is
        # worked out once per value.
        return _decimal_of(value, places, integer_digits)
    return _decimal(value, places, integer_digits)


@lru_cache(maxsize=65536)
def _decimal_of(value: Decimal | int, places: int, integer_digits: int) -> tuple[Decimal | None, str | None]:
    return _decimal(value, places, integer_digits)


def _decimal(value: Any, places: int, integer_digits: int) -> tuple[Decimal | None, str | None]:
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None, f"{value!r} is not a number"
    if not number.is_finite():
        return None, "must be a finite number"
    number = number.normalize()
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return None, f"has more than {places} decimal places"
    if abs(number) >= Decimal(10) ** integer_digits:
        return None, f"is too large: at most {integer_digits} digits before the decimal point"
    return number, None


def to_partial_date(text: Any) -> tuple[tuple[dt.date, str] | None, str | None]:
    if isinstance(text, str):
        return _partial_date(text)
    return _parse(text)


@lru_cache(maxsize=4096)
def _partial_date(text: str) -> tuple[tuple[dt.date, str] | None, str | None]:
    # A bundle names the same few dates over and over (2025-04 for a thousand claims); the answer
    # is immutable, so it is parsed once.
    return _parse(text)


def _parse(text: Any) -> tuple[tuple[dt.date, str] | None, str | None]:
    try:
        return parse_partial_date(text), None
    except PartialDateError as exc:
        return None, str(exc)
