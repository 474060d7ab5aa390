"""The checks of a bundle being imported: in this process, or in a forked one beside it.

An import checks every record before writing it. In a large import the checks (schema, references,
dates, numbers) are about half of the Python work, and the other half (parsing, shaping rows,
feeding COPY) waits for them on one core while the second core has little to do. So a large
bundle imported on PostgreSQL is checked by a forked process that parses the file on its own and
reports, batch by batch, whether everything so far is clean; the importer parses the same records
and writes a batch only once the checker has reported it clean. Both kinds of checks answer the
importer the same way and name the same errors, in the same order.

The forked checker reads the database on a connection of its own: it sees what is committed, not
what an enclosing transaction of the caller wrote. So it is chosen only for an import that is not
inside a transaction. Its queries (do these keys exist, what is this source's stored parent) take
no lock that the importer's transaction holds in a conflicting mode (the importer drops indexes
only on the claim tables, which the checks never read); a lock timeout makes any wait fail loudly
rather than leave the two processes waiting on each other.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from itertools import islice
from typing import Any, Protocol

from django.db import connection

from claims.bundle.errors import BundleError
from claims.bundle.reader import BundleReader
from claims.bundle.schema import SECTIONS
from claims.bundle.validation import BundleChecker
from claims.forked import own_connection_after_fork

Progress = Callable[[str, int, int], None]
# Records checked between two progress reports of a section read whole.
PROGRESS_EVERY = 1000
*REFERENCED, CLAIMS = SECTIONS
# Claims are checked and written in batches of this many: each written batch costs a few queries
# and one COPY per table, and fewer, larger COPYs cost PostgreSQL less (about 1 s of its CPU per
# 100,000 claims).
CLAIM_BATCH = 4000
# From this many claims up, an import outside a transaction is checked in a second process.
APART_CLAIMS = 10_000
# How long the checking process may wait for a lock before it gives up with an error.
CHILD_LOCK_TIMEOUT = "60s"


class Checks(Protocol):
    # Whether the claims must be handed over to be checked (False: they are read by the checker).
    reads_claims: bool

    def referenced(self) -> bool:
        """Check sources, documents and metrics whole (a parent line needs every source); clean?"""

    def claims(self, start: int, batch: list[Any]) -> bool:
        """Whether the claims up to the end of this batch (which starts at index `start`) are
        all clean, and everything before them."""

    def finish(self) -> list[BundleError]:
        """Every error of the bundle, once all of it has been checked."""


def batches(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def check_section(
    reader: BundleReader, checker: BundleChecker, top: dict, section: str, progress: Progress | None
) -> None:
    if not isinstance(top.get(section), list):
        return
    total = reader.count(section)
    for index, record in enumerate(reader.records(section)):
        checker.check_record(section, index, record)
        if progress and (index + 1) % PROGRESS_EVERY == 0:
            progress(f"checking {section}", index + 1, total)


class LocalChecks:
    """The checks in this process, on the records the importer reads."""

    reads_claims = True

    def __init__(self, reader: BundleReader, top: dict, checker: BundleChecker, progress: Progress | None) -> None:
        self.reader, self.top, self.checker, self.progress = reader, top, checker, progress

    def referenced(self) -> bool:
        for section in REFERENCED:
            check_section(self.reader, self.checker, self.top, section, self.progress)
        self.checker.check_parents()
        return self.checker.clean

    def claims(self, start: int, batch: list[Any]) -> bool:
        for index, record in enumerate(batch, start=start):
            self.checker.check_record(CLAIMS, index, record)
        return self.checker.clean

    def finish(self) -> list[BundleError]:
        return self.checker.finish()


class ProcessChecks:
    """The checks in a forked process that reads the bundle on its own (see the module's text).
    Start it before any other thread of this process does (a fork copies only the calling thread),
    and stop it when the import ends."""

    reads_claims = False

    def __init__(self, reader: BundleReader, checker: BundleChecker, progress: Progress | None) -> None:
        self.reader, self.checker, self.progress = reader, checker, progress
        self._checked = 0
        self._clean = True
        self._errors: list[BundleError] | None = None
        self._process: Any = None
        self._pipe: Any = None

    def start(self) -> ProcessChecks:
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe(duplex=False)
        self._pipe = ours
        try:
            with self.reader.for_child() as reader:
                self._process = context.Process(
                    target=_check_in_child, args=(reader, self.checker, theirs), name="bundle-checks", daemon=True
                )
                self._process.start()
        except BaseException:
            self.stop()
            raise
        finally:
            theirs.close()
        return self

    def stop(self) -> None:
        """End the checking process if it still runs (after a failure here) and wait for it."""
        if self._process is not None:
            if self._process.is_alive() and self._errors is None:
                self._process.terminate()
            self._process.join()
        if self._pipe is not None:
            self._pipe.close()

    def referenced(self) -> bool:
        while True:
            kind, *values = self._receive()
            if kind == "checking" and self.progress:
                self.progress(*values)
            elif kind == "referenced":
                self._clean = values[0]
                return self._clean

    def claims(self, start: int, batch: list[Any]) -> bool:
        end = start + len(batch)
        while self._clean and self._checked < end:
            kind, checked, clean = self._receive()
            if kind != "claims":
                raise RuntimeError(f"the bundle checking process answered {kind!r} where a claim count was due")
            self._checked, self._clean = checked, clean
        return self._clean

    def finish(self) -> list[BundleError]:
        while self._errors is None:
            kind, *values = self._receive()
            if kind == "done":
                self._errors = values[0]
        return self._errors

    def _receive(self) -> tuple[Any, ...]:
        try:
            message = self._pipe.recv()
        except EOFError:
            self._process.join(timeout=5)
            raise RuntimeError(
                f"the bundle checking process ended without an answer (exit code {self._process.exitcode})"
            ) from None
        if message[0] == "error":
            raise RuntimeError(f"the bundle checking process failed:\n{message[1]}")
        return message


def _check_in_child(reader: BundleReader, checker: BundleChecker, pipe: Any) -> None:
    """In the forked process: check everything, as LocalChecks would, and report to the importer."""
    try:
        own = own_connection_after_fork()
        with own.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{CHILD_LOCK_TIMEOUT}'")
        top, _ = reader.top()
        local = LocalChecks(reader, top, checker, lambda *values: pipe.send(("checking", *values)))
        pipe.send(("referenced", local.referenced()))
        if isinstance(top.get(CLAIMS), list):
            done = 0
            for batch in batches(reader.records(CLAIMS), CLAIM_BATCH):
                clean = local.claims(done, batch)
                done += len(batch)
                pipe.send(("claims", done, clean))
        pipe.send(("done", local.finish()))
    except BaseException:
        with suppress(OSError):  # the importer may be gone already
            pipe.send(("error", traceback.format_exc()))
    finally:
        with suppress(Exception):
            connection.close()


def checks_apart(reader: BundleReader, checker: BundleChecker) -> bool:
    """Whether to check in a second process: a large bundle (APART_CLAIMS) whose outer shape is
    right, on PostgreSQL, outside any transaction, where processes can be forked."""
    return (
        reader.count(CLAIMS) >= APART_CLAIMS
        and checker.clean
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and "fork" in multiprocessing.get_all_start_methods()
    )


@contextmanager
def bundle_checks(
    reader: BundleReader, top: dict, checker: BundleChecker, progress: Progress | None, *, apart: bool | None = None
) -> Iterator[Checks]:
    """The checks for an import: in a second process when `apart` (by default when checks_apart
    says so), else here. A file that cannot be opened a second time is checked here."""
    if apart is None:
        apart = checks_apart(reader, checker)
    remote = None
    if apart:
        with suppress(OSError):
            remote = ProcessChecks(reader, checker, progress).start()
    if remote is None:
        yield LocalChecks(reader, top, checker, progress)
        return
    try:
        yield remote
    finally:
        remote.stop()
