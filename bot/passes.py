"""Counted passes of a cog's background loop.

A test, or a health check, waits for the next whole pass instead of guessing how long one takes (a
fixed sleep passes by timing, not because the loop did its work).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class CountedPasses:
    """Mixed into a cog whose `tick()` runs inside `self.counted_pass()`."""

    ticks_started: int
    ticks_done: int

    def init_passes(self) -> None:
        self.ticks_started = 0
        self.ticks_done = 0
        self._ticked = asyncio.Event()

    @contextlib.contextmanager
    def counted_pass(self) -> Iterator[int]:
        """One pass: its number while it runs; finished (and waiters woken) however it ends."""
        self.ticks_started += 1
        number = self.ticks_started
        try:
            yield number
        finally:
            self.ticks_done = number
            self._ticked.set()

    async def next_tick(self, timeout: float = 30.0) -> int:
        """Wait until a pass of the loop that started after this call has finished; its number."""
        return await self.ticks_reach(self.ticks_started + 1, timeout)

    async def ticks_reach(self, number: int, timeout: float = 30.0) -> int:
        """Wait until pass `number` of the loop (counting from 1 since the cog loaded) has finished."""
        async with asyncio.timeout(timeout):
            while self.ticks_done < number:
                self._ticked.clear()
                await self._ticked.wait()
        return self.ticks_done
