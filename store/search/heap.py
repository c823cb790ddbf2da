"""Handing the heap's free pages back to the operating system (glibc keeps them otherwise).

A full build allocates and frees some hundred MB of work arrays and strings per batch of papers; glibc
keeps freed memory for reuse, so the process's resident size stays at its high-water mark, beside the
index still answering queries. `give_back` (malloc_trim) returns it: called between a build's batches and
after an index is swapped out. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
from functools import cache


@cache
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def give_back() -> None:
    libc = _libc()
    if libc is not None:
        with contextlib.suppress(AttributeError):
            libc.malloc_trim(0)


BATCHES = 8  # a build's batches between two give_backs


def between_batches(k: int) -> None:
    """After batch k of a build's loop: give back every BATCHES batches, not after each. The batches between
    reuse the memory freed (their work arrays are alike), so the resident size does not grow meanwhile; a
    give_back walks the heap, and its pages come back as faults: a second of system time at 100,000 papers."""
    if k % BATCHES == BATCHES - 1:
        give_back()
