"""Messages between processes (a bulk import's parsing process, `worker.py`; a full build's, store/search/
layout_process.py and layout_split.py): each a pickle preceded by its length as 8 big-endian bytes; a length
of zero ends a stream."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import pickle
from typing import IO, Any

LENGTH = 8


def put(out: IO[bytes], value: Any) -> None:
    """A message, written with os.write until every byte is. A write to a full pipe that a signal interrupts
    (the process stopped and continued: Ctrl-Z then fg, `docker pause`, a profiler) returns having written
    part, and `sys.stdout.buffer` is unbuffered under `python -u` or PYTHONUNBUFFERED (set by many container
    images): its write returns that count and the rest of the message is lost."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    fd, head = out.fileno(), len(data).to_bytes(LENGTH, "big")
    for part in (memoryview(head), memoryview(data)):
        done = 0
        while done < len(part):
            done += os.write(fd, part[done:])


def get(given: IO[bytes]) -> Any:
    """The next message; None at the end (a zero length, or the pipe closed); EOFError for one cut short."""
    head = given.read(LENGTH)
    size = int.from_bytes(head, "big") if len(head) == LENGTH else 0
    if not size:
        return None
    data = bytearray()
    while len(data) < size and (more := given.read(size - len(data))):
        data += more
    if len(data) != size:
        raise EOFError(f"a message cut short ({len(data)} of {size} bytes)")
    return pickle.loads(data)


class Reader:
    """Messages read on the event loop from a pipe's read end as they come, each straight into a buffer of its
    own size, and up to `ahead` bytes of whole messages before they are asked for (`get`).

    A bulk import takes some 1.7 GB of batches from its parsing process at a million papers. asyncio's
    StreamReader copies every byte three times (the read, its buffer, the slice `readexactly` returns), on
    the thread whose interpreter lock the database's writes need back after every row: some 2 s of that
    import. Here the read lands in the message's own buffer: the one copy the kernel makes."""

    def __init__(self, fd: int, ahead: int) -> None:
        self._fd, self._ahead = fd, ahead
        self._loop = asyncio.get_running_loop()
        self._ready: collections.deque[bytearray] = collections.deque()
        self._held = 0  # bytes of the messages read whole and not yet taken
        self._head = bytearray(LENGTH)
        self._body: bytearray | None = None  # the message being read, once its length is known
        self._got = 0  # bytes of the head, or of the body, read so far
        self._ended = False  # the other end closed (or a zero length ended the stream)
        self._failed: OSError | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._reading = False
        os.set_blocking(fd, False)
        self._read_on()

    def _read_on(self) -> None:
        if not self._reading and not self._ended and self._held < self._ahead:
            self._loop.add_reader(self._fd, self._readable)
            self._reading = True

    def _read_off(self) -> None:
        if self._reading:
            self._loop.remove_reader(self._fd)
            self._reading = False

    def _readable(self) -> None:
        try:
            while self._held < self._ahead and not self._ended:
                target = self._head if self._body is None else self._body
                n = os.readv(self._fd, [memoryview(target)[self._got:]])
                if not n:
                    self._ended = True
                    break
                self._got += n
                if self._got < len(target):
                    continue
                self._got = 0
                if self._body is None:
                    size = int.from_bytes(self._head, "big")
                    if not size:
                        self._ended = True
                        break
                    self._body = bytearray(size)
                    continue
                self._ready.append(self._body)
                self._held += len(self._body)
                self._body = None
        except BlockingIOError:  # all there is for now: called again once there is more
            pass
        except OSError as exc:
            self._failed, self._ended = exc, True
        if self._ended or self._held >= self._ahead:
            self._read_off()
        if self._ready or self._ended:
            self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def get(self) -> bytearray:
        """The next message's bytes; EOFError at the end of the stream, or for a message it cut short."""
        while not self._ready:
            if self._ended:
                if self._failed is not None:
                    raise EOFError(f"the pipe failed ({self._failed})") from self._failed
                cut = self._got or self._body is not None
                raise EOFError("a message cut short" if cut else "the stream ended")
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        body = self._ready.popleft()
        self._held -= len(body)
        self._read_on()
        return body

    def close(self) -> None:
        """Stop reading, and close the read end (a writer still writing then gets EPIPE)."""
        self._read_off()
        self._ended = True
        self._wake()
        with contextlib.suppress(OSError):
            os.close(self._fd)
