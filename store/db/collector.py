"""Keep the cyclic garbage collector's full passes away from the gateway heartbeat.

A 100,000-paper index is millions of Python objects. CPython's full (generation 2) collection walks
every tracked object while holding the GIL, 0.2-0.5 s at a time at that size, and bulk work (ingest,
an index build) allocates fast enough to set one off every few seconds. Each pass stalls every thread
of the process: the event loop and discord.py's heartbeat thread included, which is how a bot misses
its heartbeat and gets disconnected in the middle of a reload.

So bulk work runs inside `paused()`: automatic collection is off while it runs, and when the last such
block ends, everything alive is frozen into the permanent generation, which later collections skip.
Reference counting still frees a replaced index the moment its last reader lets go; only reference
cycles created during a bulk block and dropped by its end would outlive it, and bulk code makes none
to speak of (measured by `tests/store/test_collector.py`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # bulk blocks running now, on any thread
_was_enabled = True


@contextmanager
def paused() -> Iterator[None]:
    """Run a bulk block without automatic full collections; freeze what it leaves when the last one ends."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.freeze()  # O(1): the generations are spliced onto the permanent one, nothing is walked
                if _was_enabled:
                    gc.enable()
