"""A long ingest's progress in a terminal (rich): files and papers done, rate, time left.

Shown only when stderr is a terminal, so scripts, pipes and the bot's logs stay quiet. The bar
advances by bytes (a single 100,000-paper JSON Lines file is one file but most of the work).
"""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn


class TerminalProgress:
    """store.ingest.report.IngestProgress drawn with rich on stderr."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console or Console(file=sys.stderr)
        self._progress = Progress(
            TextColumn("ingest"), BarColumn(), TextColumn("{task.fields[files]} files"),
            TextColumn("{task.fields[papers]:,} papers"), TextColumn("{task.fields[rate]:,.0f} papers/s"),
            TimeRemainingColumn(), console=self._console, transient=False)
        self._task: TaskID | None = None
        self._files = 0
        self._papers = 0
        self._started = 0.0
        self._total_files = 0

    def start(self, files: int, size: int) -> None:
        self._total_files = files
        self._started = time.perf_counter()
        self._progress.start()
        self._task = self._progress.add_task("ingest", total=max(size, 1), files=f"0/{files}", papers=0, rate=0.0)

    def advance(self, name: str, size: int, papers: int) -> None:
        if self._task is None:
            return
        self._files += 1
        self._papers += papers
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        self._progress.update(self._task, advance=size, files=f"{self._files}/{self._total_files}",
                              papers=self._papers, rate=self._papers / elapsed)

    def stop(self) -> None:
        self._progress.stop()


def terminal_progress() -> TerminalProgress | None:
    """A progress display when stderr is a terminal, else None (quiet)."""
    return TerminalProgress() if sys.stderr.isatty() else None
