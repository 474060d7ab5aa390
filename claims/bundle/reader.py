"""Reading bundles record by record, from memory or from a file of any size.

A file is read with ijson, never whole: one quick pass notes the outer shape and how many records
each section holds, then each section is streamed on its own, in the order references point
(sources before the claims that cite them), stopping at the section's last record.
"""

from __future__ import annotations

import io
import itertools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

import ijson

from claims.bundle.errors import BundleError
from claims.bundle.schema import SECTION_KIND

_SCALAR_EVENTS = frozenset({"string", "number", "boolean", "null"})
_START_EVENTS = {"start_map": dict, "start_array": list}


class BundleReader(Protocol):
    def top(self) -> tuple[Any, list[BundleError]]: ...

    def count(self, section: str) -> int: ...

    def records(self, section: str) -> Iterator[Any]: ...

    def for_child(self) -> AbstractContextManager[BundleReader]: ...


class DictReader:
    """A bundle already in memory (the API, tests, the admin's small uploads)."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def top(self) -> tuple[Any, list[BundleError]]:
        return self.data, []

    def count(self, section: str) -> int:
        records = self.data.get(section) if isinstance(self.data, dict) else None
        return len(records) if isinstance(records, list) else 0

    def records(self, section: str) -> Iterator[Any]:
        records = self.data.get(section) if isinstance(self.data, dict) else None
        return iter(records if isinstance(records, list) else [])

    @contextmanager
    def for_child(self) -> Iterator[DictReader]:
        """The data is copied into a forked process with the rest of memory."""
        yield self


class FileReader:
    """A bundle in a seekable binary file, read in bounded memory."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self._shape: dict[str, Any] | None = None
        self._counts: dict[str, int] = {}

    def top(self) -> tuple[Any, list[BundleError]]:
        """The outer object with each section stood in for by an empty list (or a sample of the
        wrong type), so the schema check sees the shape without the records."""
        if self._shape is not None:
            return self._shape, []
        shape: dict[str, Any] = {}
        counts: dict[str, int] = dict.fromkeys(SECTION_KIND, 0)
        item_prefixes = {f"{section}.item": section for section in SECTION_KIND}
        key = None
        self.stream.seek(0)
        try:
            for prefix, event, value in ijson.parse(self.stream, use_float=False):
                if prefix == "":
                    if event == "map_key":
                        key = value
                    elif event == "start_array":
                        return [], []
                    elif event in _SCALAR_EVENTS:
                        return value, []
                elif prefix == key and key is not None and "." not in prefix:
                    if event in _START_EVENTS:
                        shape[key] = _START_EVENTS[event]()
                    elif event in _SCALAR_EVENTS:
                        shape[key] = value
                elif prefix in item_prefixes and (event in _SCALAR_EVENTS or event in _START_EVENTS):
                    counts[item_prefixes[prefix]] += 1
        except (ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError, ValueError) as exc:
            return None, [BundleError("(file)", f"is not valid JSON: {exc}")]
        self._shape, self._counts = shape, counts
        return shape, []

    def count(self, section: str) -> int:
        if self._shape is None:
            self.top()
        return self._counts.get(section, 0)

    def records(self, section: str) -> Iterator[Any]:
        total = self.count(section)
        if not total:
            return iter(())
        self.stream.seek(0)
        # islice stops at the section's last record, so later sections are never parsed here.
        return itertools.islice(ijson.items(self.stream, f"{section}.item", use_float=False), total)

    @contextmanager
    def for_child(self) -> Iterator[FileReader]:
        """A reader for a process forked inside the block, which reads while this one reads on. A
        file descriptor is shared across a fork, and with it the read position: the file is opened
        again (Linux's /proc/self/fd reaches also an unlinked spool file) for a position of its
        own, and closed here when the block ends (the child keeps its copy). A stream in memory has
        no descriptor; the fork copies it. Raises OSError when the file cannot be opened again."""
        try:
            descriptor = self.stream.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            yield self
            return
        self.top()
        with open(f"/proc/self/fd/{descriptor}", "rb") as stream:
            child = FileReader(stream)
            child._shape, child._counts = self._shape, self._counts
            yield child


@contextmanager
def open_bundle_file(path: str | Path, *, stdin: IO[bytes] | None = None) -> Iterator[FileReader]:
    """A FileReader on a path, or on standard input ('-') spooled to a temporary file first since
    a pipe can be read only once and the reader passes over the file more than once."""
    if str(path) == "-":
        if stdin is None:
            import sys

            stdin = sys.stdin.buffer
        with tempfile.TemporaryFile() as spool:
            shutil.copyfileobj(stdin, spool, 1024 * 1024)
            yield FileReader(spool)
        return
    with open(path, "rb") as stream:
        yield FileReader(stream)
