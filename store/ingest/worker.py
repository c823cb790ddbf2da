"""A parsing process for bulk imports: `python -m store.ingest.worker`.

It reads a pickled list of `CorpusFile`s on stdin and writes every file's messages (`store.ingest.stream`:
what the file is, its records in batches with their authors' person keys, titles' keys and rows as new
papers (`Keyed`), how its reading ended), in order, each pickled and preceded by its length as 8
big-endian bytes. The pipe holds little, so the process runs at most a batch or two ahead of the
database: its memory is a batch's, whatever the file's size. A process of its own, started by module
name, rather than multiprocessing: spawning through multiprocessing re-runs the parent's main script,
which a user's script without a main guard does not survive.
"""

from __future__ import annotations

import os
import pickle
import sys

from store.ingest.corpus import messages
from store.ingest.records import Parsed
from store.ingest.stream import keyed


def main() -> None:
    files = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    try:
        for file in files:
            for message in messages(file):
                if isinstance(message, Parsed) and message.records:  # keys and rows worked out here
                    message = keyed(message)
                data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
                out.write(len(data).to_bytes(8, "big"))
                out.write(data)
                out.flush()
    except BrokenPipeError:  # the import stopped listening (it failed, or was cancelled): nothing to tell
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit, when stdout is flushed


if __name__ == "__main__":
    main()
