"""Ctrl-C and SIGTERM during a CLI command: say so, roll back what is not committed, exit 128 + the signal.

An ingest writes on a worker thread with its own event loop (`Database.off_the_loop`), where cancelling
the command's task does not reach: left alone, it committed everything and the command then exited 130.
So the first signal sets `STOPPING`, which every engine and session in the process sees: the next
statement raises `Interrupted` (the transaction it was in rolls back) and no commit begins after it. The
command's task is cancelled too, for what waits on the main loop. If cleaning up takes longer than
`GRACE` seconds, or a second signal comes, the process ends at once (`os._exit`): the database still
discards a transaction that was never committed (SQLite's journal, PostgreSQL's dropped connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Awaitable
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

GRACE = 2.0  # seconds from the first signal to a forced exit
SIGNALS = (signal.SIGINT, signal.SIGTERM)
STOPPING = threading.Event()


class Interrupted(Exception):
    """A statement or commit refused because the command is stopping."""


def _refuse(*_: Any, **__: Any) -> None:
    if STOPPING.is_set():
        raise Interrupted("stopping")


_guarded = False


def _guard_database() -> None:
    """Refuse every statement and commit once stopping, in every engine and session of the process."""
    global _guarded
    if not _guarded:
        event.listen(Engine, "before_cursor_execute", _refuse)
        event.listen(Session, "before_commit", _refuse)
        _guarded = True


class Interrupts:
    """Around one `asyncio.run` of a command: `with stop: code = asyncio.run(stop.run(work))`."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._timer: threading.Timer | None = None

    @property
    def code(self) -> int | None:
        """128 + the signal's number once one came (130 for SIGINT, 143 for SIGTERM), else None."""
        return None if self.signum is None else 128 + self.signum

    def _force(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(self.code or 130)

    def _on_signal(self, signum: int, task: asyncio.Task[int]) -> None:
        if self.signum is not None:  # the second: no more waiting
            self._force()
        self.signum = signum
        STOPPING.set()
        how = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        print(f"paperbot: stopping ({how}): what was not committed is rolled back; {how} again to force",
              file=sys.stderr, flush=True)
        self._timer = threading.Timer(GRACE, self._force)
        self._timer.daemon = True
        self._timer.start()
        task.cancel()

    async def run(self, work: Awaitable[int]) -> int:
        """The command's exit code; after a signal, the signal's code whatever the work raised."""
        _guard_database()
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        assert task is not None
        for sig in SIGNALS:
            loop.add_signal_handler(sig, self._on_signal, sig, task)
        try:
            code = await work
            return self.code or code  # a signal as the work ended: it may have committed, still say stopped
        except BaseException:
            if self.code is None:
                raise
            task.uncancel()
            return self.code
        finally:
            for sig in SIGNALS:
                loop.remove_signal_handler(sig)
            if self.code is not None:  # a signal while the cleanup ran: still the second one forces
                signal.signal(signal.SIGINT, lambda *_: self._force())
                signal.signal(signal.SIGTERM, lambda *_: self._force())

    def __enter__(self) -> Interrupts:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
