"""Reading bundles record by record, from memory or from a file of any size.

A file is read value by value (claims.bundle.jsonstream), never whole: one pass checks that it is
JSON and notes the outer shape, how many records each section holds and where each starts, then
each section is streamed on its own, in the order references point (sources before the claims that
cite them), from its first record to its last.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, Any, Protocol

from claims.bundle.errors import BundleError
from claims.bundle.jsonstream import JsonScanner, JsonSyntaxError
from claims.bundle.schema import SECTION_KIND

MB = 1_000_000
Progress = Callable[[str, int, int], None]
# What the progress of the first pass over a file is counted in.
READING = "reading the file (MB)"


class BundleReader(Protocol):
    def top(self, progress: Progress | None = None) -> tuple[Any, list[BundleError]]: ...

    def count(self, section: str) -> int: ...

    def records(self, section: str) -> Iterator[Any]: ...

    def for_child(self) -> AbstractContextManager[BundleReader]: ...


class DictReader:
    """A bundle already in memory (the API, tests, the admin's small uploads)."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def top(self, progress: Progress | None = None) -> tuple[Any, list[BundleError]]:
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
        # Byte offset of each section's array in the file.
        self._starts: dict[str, int] = {}

    def top(self, progress: Progress | None = None) -> tuple[Any, list[BundleError]]:
        """The outer object with each section stood in for by an empty list (or a sample of the
        wrong type), so the schema check sees the shape without the records. The first call reads
        the whole file (`progress` hears how far, in MB)."""
        if self._shape is not None:
            return self._shape, []
        on_read = None
        if progress:
            size = self.stream.seek(0, io.SEEK_END)
            total = -(-size // MB)

            def on_read(offset: int) -> None:
                progress(READING, total if offset >= size else offset // MB, total)

        try:
            shape = self._outline(JsonScanner(self.stream, 0, on_read=on_read))
        except JsonSyntaxError as exc:
            return None, [BundleError("(file)", f"is not valid JSON: {exc}")]
        if isinstance(shape, dict):
            self._shape = shape
        return shape, []

    def _outline(self, scanner: JsonScanner) -> Any:
        """One pass over the whole file: every value is decoded (so the file is known to be JSON
        before anything is written) and every top-level array is counted."""
        scanner.skip_bom()
        first = scanner.peek()
        if first == "[":
            return []
        if first != "{":
            value = scanner.value()
            scanner.end()
            return value
        shape: dict[str, Any] = {}
        counts: dict[str, int] = dict.fromkeys(SECTION_KIND, 0)
        starts: dict[str, int] = {}
        scanner.take("{")
        closed = scanner.peek() == "}"
        if closed:
            scanner.take("}")
        while not closed:
            key = scanner.key()
            kind = scanner.peek()
            # A key given twice counts as its last value, as when the file is read whole.
            if key in SECTION_KIND:
                counts[key] = 0
                starts.pop(key, None)
            if kind == "[":
                start, count = scanner.offset(), scanner.skip_items()
                if key in SECTION_KIND:
                    counts[key], starts[key] = count, start
                shape[key] = []
            elif kind == "{":
                scanner.value()
                shape[key] = {}
            else:
                shape[key] = scanner.value()
            closed = scanner.take(",}") == "}"
        scanner.end()
        self._counts, self._starts = counts, starts
        return shape

    def count(self, section: str) -> int:
        if self._shape is None:
            self.top()
        return self._counts.get(section, 0)

    def records(self, section: str) -> Iterator[Any]:
        if not self.count(section):
            return iter(())
        return JsonScanner(self.stream, self._starts[section]).items()

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
            child._shape, child._counts, child._starts = self._shape, self._counts, self._starts
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
