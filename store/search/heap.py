"""The heap of a process that answers queries: a query's work arrays reused, and free pages handed back.

A full build allocates and frees some hundred MB of work arrays and strings per batch of papers; glibc
keeps freed memory for reuse, so the process's resident size stays at its high-water mark, beside the
index still answering queries. `give_back` (malloc_trim) returns it: called between a build's batches and
after an index is swapped out.

A query allocates a score per paper (800 KB at 100,000 papers, 8 MB at a million) and frees it. glibc gives
a block that large pages of its own (mmap) and returns them at free, so every query faulted its arrays' pages
in again: a few hundred page faults, a third of /paper's time at 100,000 papers. glibc stops doing so for a
size once a block of it was freed, which a process that built its index had done and one that mapped a
snapshot had not: the same query took 1.3 ms in one and 0.8 in the other. `keep_work_arrays` sets what the
first process had learnt, for every process: blocks up to 32 MB from the heap, reused (resident memory is
unchanged: the same few arrays come and go). Elsewhere than glibc both do nothing.
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


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)
WORK_ARRAYS = 32 << 20  # the largest block glibc would learn to keep in its heap (DEFAULT_MMAP_THRESHOLD_MAX)


@cache
def keep_work_arrays() -> bool:
    """Blocks up to WORK_ARRAYS from the heap and kept there when freed (up to twice that at the heap's top,
    as glibc's own adjustment keeps them); once per process. False where there is no glibc to ask."""
    libc = _libc()
    if libc is None:
        return False
    try:
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, WORK_ARRAYS)) and bool(libc.mallopt(_M_TRIM_THRESHOLD,
                                                                                           2 * WORK_ARRAYS))
    except AttributeError:
        return False


BATCHES = 8  # a build's batches between two give_backs


def between_batches(k: int) -> None:
    """After batch k of a build's loop: give back every BATCHES batches, not after each. The batches between
    reuse the memory freed (their work arrays are alike), so the resident size does not grow meanwhile; a
    give_back walks the heap, and its pages come back as faults: a second of system time at 100,000 papers."""
    if k % BATCHES == BATCHES - 1:
        give_back()
