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
