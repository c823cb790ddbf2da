"""Turns at the interpreter lock for the event loop while a thread does bulk work (a full index build).

CPython hands its lock to a waiting thread only once a switch interval (5 ms) has passed in which the lock
never changed hands. A holder that lets go for a moment and takes it straight back (a numpy call on a few
thousand values, a pread, a SQLite step) wakes the waiter, which finds the lock taken again and starts its
5 ms over; a loop doing so every fraction of a millisecond keeps the waiter out for as long as it runs.
Iterating the names of a million papers' bylines kept the event loop out for half a second that way
(`bench.stalls`). A sleep, however short, lets the waiter in: the loops of bulk work call `let_others_in()`
at each step, and it sleeps at most once every `EVERY` seconds (about 1% of the work's time).
"""

from __future__ import annotations

import time

EVERY = 0.01  # seconds: the longest a waiting thread is kept out by the loops that call let_others_in
_NAP = 0.0001
_last = 0.0


def let_others_in() -> None:
    """Sleep for a moment if no caller has for `EVERY` seconds (any thread's sleep hands the lock over)."""
    global _last
    now = time.monotonic()
    if now - _last >= EVERY:
        time.sleep(_NAP)
        _last = time.monotonic()
