"""A cog's background loop: counted passes, each shielded from cancellation, started and stopped with the cog.

Counted: a test, or a health check, waits for the next whole pass instead of guessing how long one
takes (a fixed sleep passes by timing, not because the loop did its work). Shielded: unloading the cog
at shutdown must not cut a pass's database transaction in half; it waits up to ten seconds for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator

from discord.ext import tasks


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

    async def next_tick(self, timeout: float | None = 30.0) -> int:
        """Wait until a pass of the loop that started after this call has finished (None: however long); its
        number."""
        return await self.ticks_reach(self.ticks_started + 1, timeout)

    async def ticks_reach(self, number: int, timeout: float | None = 30.0) -> int:
        """Wait until pass `number` of the loop (counting from 1 since the cog loaded) has finished."""
        async with asyncio.timeout(timeout):
            while self.ticks_done < number:
                self._ticked.clear()
                await self._ticked.wait()
        return self.ticks_done


class BackgroundPasses(CountedPasses):
    """Mixed in before `commands.Cog`: `self.loop` runs `tick()` every `seconds` once the bot is ready.

    The cog calls `init_background(...)` in `__init__` and defines `async def tick()`; loading the cog
    starts the loop, unloading it stops the loop and lets a pass under way finish.
    """

    loop: tasks.Loop[Callable[[], Awaitable[None]]]
    _pass: asyncio.Future[None] | None

    def init_background(self, seconds: float, ready: Callable[[], Awaitable[None]]) -> None:
        self.init_passes()
        self._pass = None
        self.loop = tasks.loop(seconds=seconds)(self._shielded_pass)
        self.loop.before_loop(ready)

    async def tick(self) -> None:
        raise NotImplementedError

    async def _counted(self) -> None:
        with self.counted_pass():
            await self.tick()

    async def _shielded_pass(self) -> None:
        self._pass = asyncio.ensure_future(self._counted())
        await asyncio.shield(self._pass)

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        self.loop.cancel()
        if self._pass is not None and not self._pass.done():  # let a database write finish, not tear it
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._pass), 10)
