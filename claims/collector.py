"""Python's cyclic garbage collector around bulk work.

The checks, the synthetic load and the bundle import allocate millions of small tuples, nearly all
freed by reference counting. Each collection that the allocations trigger walks every object still
alive (the rows read so far, the facts derived from them) to find no cycle among them: with the
collector at its defaults that was 40% of a sweep group's Python time and a third of an import's.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block (also usable as a decorator). For work whose memory is
    bounded by its input (a sweep group, a claim batch, one load): the few cycles it makes are
    collected after it, when the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def fewer_collections(threshold: int = 50_000) -> Iterator[None]:
    """Collections far less often inside the block, for work too long to run without any (an
    import of a million claims): a young-generation collection every `threshold` allocations
    instead of every 700."""
    before = gc.get_threshold()
    gc.set_threshold(max(threshold, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
