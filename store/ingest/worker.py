"""A parsing process for bulk imports: `python -m store.ingest.worker`.

It reads a pickled list of `CorpusFile`s on stdin and writes every file's messages (`store.ingest.stream`:
what the file is, its records in batches with their authors' person keys, titles' keys and rows as new
papers (`Keyed`), how its reading ended), in order, each pickled and preceded by its length as 8
big-endian bytes (`pipes.put`). The import takes in a few batches ahead (`AHEAD_BYTES`), then stops reading, so the
process runs at most a few batches ahead of the database: its memory is a batch's, whatever the file's
size. A process of its own, started by module name, rather than multiprocessing: spawning through
multiprocessing re-runs the parent's main script, which a user's script without a main guard does not survive.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys

from store.ingest.corpus import PIPE_BYTES, messages
from store.ingest.pipes import put
from store.ingest.records import Parsed
from store.ingest.stream import keyed


def main() -> None:
    files = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    _widen(out.fileno())
    # A batch is some hundred thousand short-lived objects, which set off the automatic collection thousands
    # of times a file (6% of this process's time). Off instead, and what cycles a message leaves are collected
    # once it is sent: the young generations only, what the batch made.
    gc.disable()
    try:
        for file in files:
            for message in messages(file):
                if isinstance(message, Parsed) and message.records:  # keys and rows worked out here
                    message = keyed(message)
                put(out, message)  # every byte, though a signal cut a write short (see pipes.put)
                del message
                gc.collect(1)
    except BrokenPipeError:  # the import stopped listening (it failed, or was cancelled): nothing to tell
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit, when stdout is flushed


def _widen(fd: int) -> None:
    """A larger pipe where the system allows one (Linux, up to its limit for anyone): a batch of some 3.5 MB
    then crosses in a few reads rather than fifty, and is in the import's buffer while it writes the one
    before (store.ingest.corpus.AHEAD_BYTES)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):  # not Linux, not a pipe, or over the limit: 64 kB then
        pass


if __name__ == "__main__":
    main()
