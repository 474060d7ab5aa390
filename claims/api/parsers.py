"""JSON request bodies with exact numbers.

Figures are compared exactly (DESIGN: decimals, not floats), so numbers are read as Decimal; a
number too large for a float (1e400) then stays a value the validators can refuse by name instead
of silently becoming infinity.
"""

from __future__ import annotations

import codecs
import json
from decimal import Decimal
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class DecimalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            return json.load(
                codecs.getreader(encoding)(stream), parse_float=Decimal, parse_constant=_refuse_constant
            )
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"The body is not valid JSON: {exc}") from None
