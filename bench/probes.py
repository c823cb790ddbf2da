"""What the benchmark reads off a running process: latencies, resident memory, its peak, event-loop lag.

Memory comes from /proc (Linux): the resident set now, and its high-water mark, which `reset_peak` clears
(`clear_refs` 5) so that a peak belongs to one stretch of work (a rebuild) and not to the whole process.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PAGE = 4096


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE / 2**20


def peak_mb() -> float:
    """The resident high-water mark since the process started or since `reset_peak`."""
    status = Path("/proc/self/status").read_text()
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else rss_mb()


def reset_peak() -> bool:
    """Start a new high-water mark at the current resident set; False where the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(lat: Sequence[float]) -> list[float]:
    """p50, p95, p99 in ms."""
    return [statistics.median(lat), pct(lat, 95), pct(lat, 99)]


def by_rounds(lat: Sequence[float], rounds: int) -> list[float]:
    """p50, p95, p99 of each of `rounds` consecutive slices, the median of each over the slices: a slow moment
    of a shared machine spoils one round's figures, not the whole sample's tail."""
    per = max(1, len(lat) // rounds)
    slices = [summary(lat[i * per : (i + 1) * per]) for i in range(min(rounds, len(lat)))]
    return [statistics.median(s[k] for s in slices) for k in range(3)]


def timed(fn: Callable[[Any], Any], args: Sequence[Any]) -> list[float]:
    out = []
    for a in args:
        t = time.perf_counter()
        fn(a)
        out.append((time.perf_counter() - t) * 1000)
    return out


class LoopLag:
    """How late the event loop wakes a 10 ms sleeper while work runs: what a gateway heartbeat would suffer.

        async with LoopLag() as lag:
            await work()
        lag.max_ms
    """

    def __init__(self, period: float = 0.01) -> None:
        self.period = period
        self.lags: list[float] = []
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        while not self._done.is_set():
            t = time.perf_counter()
            await asyncio.sleep(self.period)
            self.lags.append((time.perf_counter() - t - self.period) * 1000)

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._beat())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._done.set()
        if self._task is not None:
            await self._task

    @property
    def max_ms(self) -> float:
        return max(self.lags, default=0.0)
