"""A parsing process for bulk imports: `python -m store.ingest.worker`.

It reads a pickled list of `CorpusFile`s on stdin and writes one `ParsedFile` per file, in order, each
pickled and preceded by its length as 8 big-endian bytes. A process of its own, started by module
name, rather than multiprocessing: spawning through multiprocessing re-runs the parent's main script,
which a user's script without a main guard does not survive.
"""

from __future__ import annotations

import pickle
import sys

from store.ingest.corpus import read


def main() -> None:
    files = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    for file in files:
        data = pickle.dumps(read(file), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(data).to_bytes(8, "big"))
        out.write(data)
        out.flush()


if __name__ == "__main__":
    main()
