"""A JSON file read value by value, in bounded memory, with the standard library's C decoder.

A bundle is one large object whose sections are long arrays. Reading it item by item with
`json.JSONDecoder.raw_decode` is faster than an event parser (ijson, used before): the events of a
claim never become Python objects one by one, only the claim does. On a 764 MB export of 1,000,000
claims: the claims in 6.8 s against 11.6 s, the first pass over the file 7.3 s against 20 s. The
scanner keeps a window of the file as text, decodes one value at a time from it and reads on when
a value runs past the window's end, so memory holds about one chunk plus the largest single value.

Numbers come as int, or Decimal when they have a fraction or an exponent (never float); NaN and
Infinity, which are not JSON, are refused, as are values nested deeper than the interpreter's
recursion allows. Errors name the byte offset in the file.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

CHUNK = 1 << 20
# How close to the window's end a decoding error (or a value's end) may be and still mean "read on":
# a value cut by the window fails where the window ends (a number or a literal cut short, a missing
# delimiter), or, for a string, where the string starts.
_CUT_SLACK = 32
_SPACE = re.compile(r"[ \t\n\r]*")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODE = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant).raw_decode


class JsonSyntaxError(ValueError):
    """The file is not valid JSON (or not UTF-8); the message names the byte offset."""


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


class JsonScanner:
    """Reads a binary stream from `offset` (default: where it stands): whitespace, punctuation and
    whole values, in order."""

    def __init__(
        self, stream: IO[bytes], offset: int | None = None, *, on_read: Callable[[int], None] | None = None
    ) -> None:
        """`on_read`, if given, is called with the file offset reached after each read."""
        if offset is not None:
            stream.seek(offset)
        self.stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._text = ""
        self._pos = 0
        # Byte offset in the file of self._text[0].
        self._base = stream.tell() if offset is None else offset
        self._read = self._base  # bytes read from the file so far
        self._eof = False
        self._on_read = on_read

    # -- the window -----------------------------------------------------------------------------
    def _more(self) -> bool:
        """Read on (at least as much as the window holds, so that a long value costs linear time);
        False at the end of the file."""
        if self._eof:
            return False
        data = self.stream.read(max(CHUNK, len(self._text) - self._pos))
        try:
            fresh = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            # exc.object is the bytes the decoder held back from the last read, then these.
            at = self._read + len(data) - len(exc.object) + exc.start
            raise JsonSyntaxError(f"is not UTF-8 at byte {at}") from None
        self._read += len(data)
        self._eof = not data
        if self._on_read and data:
            self._on_read(self._read)
        consumed = self._text[: self._pos]
        self._base += _utf8_length(consumed)
        self._text = self._text[self._pos :] + fresh
        self._pos = 0
        return True

    def offset(self) -> int:
        """Byte offset in the file of the next character to read."""
        return self._base + _utf8_length(self._text[: self._pos])

    def _error(self, message: str, pos: int) -> JsonSyntaxError:
        return JsonSyntaxError(f"{message} at byte {self._base + _utf8_length(self._text[:pos])}")

    # -- tokens ---------------------------------------------------------------------------------
    def peek(self) -> str:
        """The next character that is not whitespace, without taking it; '' at the end."""
        while True:
            self._pos = _SPACE.match(self._text, self._pos).end()
            if self._pos < len(self._text):
                return self._text[self._pos]
            if not self._more():
                return ""

    def take(self, allowed: str) -> str:
        """Take the next character, which must be one of `allowed`."""
        char = self.peek()
        if not char or char not in allowed:
            wanted = " or ".join(repr(c) for c in allowed)
            found = repr(char) if char else "the end of the file"
            raise self._error(f"expected {wanted}, found {found}", self._pos)
        self._pos += 1
        return char

    def value(self) -> Any:
        """The next whole value."""
        self.peek()
        while True:
            try:
                value, end = _DECODE(self._text, self._pos)
            except json.JSONDecodeError as exc:
                cut = exc.pos >= len(self._text) - _CUT_SLACK or exc.msg.startswith("Unterminated string")
                if cut and self._more():
                    continue
                raise self._error(exc.msg, exc.pos) from None
            except RecursionError:
                raise self._error("values nest too deeply", self._pos) from None
            except ValueError as exc:  # NaN, Infinity, an integer of too many digits
                raise self._error(str(exc), self._pos) from None
            # A number near the window's end may go on in the next chunk ("12" of "125", "1" of
            # "1.5e3": the decoder takes the longest number it sees).
            if end >= len(self._text) - _CUT_SLACK and self._more():
                continue
            self._pos = end
            return value

    def items(self) -> Iterator[Any]:
        """The items of the array that starts here, one by one; ends after its ']'."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            if self.take(",]") == "]":
                return

    def skip_items(self) -> int:
        """Step over the array that starts here (every item is still checked); its item count."""
        return sum(1 for _ in self.items())

    def skip_bom(self) -> None:
        """At the start of a file, step over a UTF-8 byte order mark: Windows tools write one, and
        RFC 8259 lets a reader ignore it."""
        while not self._text and self._more():
            pass  # a read may end inside the mark's three bytes
        if self._pos == 0 and self._base == 0 and self._text.startswith("\ufeff"):
            self._pos = 1

    def key(self) -> str:
        """An object's key and the ':' after it."""
        if self.peek() != '"':
            self.take('"')  # raises, naming what stands where the key was due
        key = self.value()
        self.take(":")
        return key

    def end(self) -> None:
        """Nothing but whitespace may follow."""
        char = self.peek()
        if char:
            raise self._error(f"unexpected {char!r} after the end of the JSON value", self._pos)
