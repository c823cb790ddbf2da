"""Messages between processes (a bulk import's parsing process, `worker.py`; a full build's, store/search/
layout_process.py and layout_split.py): each a pickle preceded by its length as 8 big-endian bytes; a length
of zero ends a stream."""

from __future__ import annotations

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
