"""A full build's layout and matrices in processes of their own, fed as the catalog is read: `python -m
store.search.layout_process`, one per core up to `WORKERS` (store/search/layout_split.py: how they share it).

Laying a million papers' fields out as term ids is some 15 s of Python, and reading them from the database
as long again, one after the other on one core while a small server's second core waits. Here the reader
sends each batch's field texts (`send`: four per paper, `fields.joined_fields`) as soon as the batch is read,
batch k to process k % n, and tells them the end (`end`) once the read is done. They lay the texts out and
build the BM25F matrices (layout_split.py: the ids, vocabulary and floats one layout in the building process
gives) while the building process makes the index's other parts (people, topics, acronyms). The matrices'
two large arrays each are written to files of a folder of the building process's, which maps them
(store/search/spill.py: `adopted`); the rest (the vocabulary, each matrix's row offsets, idf and
mean lengths) comes back from the leader in one message. The words' caches of a layout (hundreds of MB at a
million papers) and the matrices' work arrays live and die with these processes.

Messages are store/ingest/pipes.py's; a length of zero ends the texts. The leader answers only once every
text is in, so neither side ever waits on a full pipe the other is not reading. Anything wrong (a process
cannot start, stops, or answers what was not asked) makes `finish` answer None: the build then lays the
catalog out itself, as it does for a small one. Processes of their own started by module name, as the
ingest's parsing process (store.ingest.worker), not through multiprocessing, which re-runs the parent's main
script.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from store.ingest.pipes import LENGTH, get, put
from store.search import spill
from store.search.bm25 import BM25Matrix
from store.search.layout_split import Peer, Wanted, follow, lead
from store.search.terms import TermTable

log = logging.getLogger(__name__)

# The process yields the cores to the bot's own threads when they want them: the event loop that keeps the
# gateway alive, and the queries members ask meanwhile. Its work waits a moment; theirs would be late.
NICENESS = 10  # added to the niceness it starts with (a rebuild's thread's, itself lowered: store.db.database)
WORKERS = 2  # layout processes at most: one per core of a small server (the building process reads meanwhile)


def workers() -> int:
    """Layout processes for this machine: one per core it may use, up to WORKERS; one where processes cannot be
    given pipes of their own (pass_fds: POSIX only)."""
    if os.name != "posix":
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on every system
        cores = os.cpu_count() or 1
    return max(1, min(WORKERS, cores))


def main() -> None:
    """The process: its batches of texts laid out, then its part of the matrices wanted; the leader answers
    (texts laid out, vocabulary, matrices)."""
    given, out = sys.stdin.buffer, sys.stdout.buffer
    with contextlib.suppress(AttributeError, OSError):  # where the system has it
        os.nice(NICENESS)
    wanted, n_fields, folder, index, n_workers, fds = get(given)
    try:
        if index:
            follow(wanted, n_fields, folder, given, index, n_workers, Peer(*fds[0]))
        else:
            put(out, lead(wanted, n_fields, folder, given, [Peer(*pair) for pair in fds]))
    except BrokenPipeError:  # the build stopped listening (it failed, or was cancelled): nothing to tell
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _taken(sent: tuple[Any, ...], vocabulary: TermTable) -> BM25Matrix:
    if sent[0] == "whole":
        matrix: BM25Matrix = sent[1]
        matrix.vocabulary = vocabulary
        return matrix
    _, (indices, weights), indptr, shape, n_docs, idf, avgdl = sent
    # The small arrays as this process makes its own (a message's are read-only views of it): the index, and
    # its snapshot, are the ones a build here makes, byte for byte.
    indptr, idf, avgdl = (np.array(a) for a in (indptr, idf, avgdl))
    weighted, ids = spill.adopted(weights, np.float32), spill.adopted(indices, np.int32)
    matrix = BM25Matrix(sparse.csr_matrix((weighted, ids, indptr), shape=shape), vocabulary, n_docs, idf)
    matrix.avgdl = avgdl
    return matrix


class LayoutProcess:
    """The building process's side: `send` each batch's field texts, in catalog order, then `finish`. Batch k
    goes to process k % n; the first (`proc`, the leader) answers for all."""

    def __init__(self, procs: Sequence[subprocess.Popen[bytes]], folder: str) -> None:
        self.procs = list(procs)
        self.proc = self.procs[0]
        self.folder = folder  # where the processes write the matrices' arrays
        self.sent = 0  # texts sent
        self.batches = 0  # batches sent
        self.failed = False
        self.ended = False  # every text sent
        self.finished = False

    @classmethod
    def start(cls, wanted: Wanted, n_fields: int, n_workers: int | None = None) -> LayoutProcess | None:
        """The processes started (`n_workers`, by default `workers()`), to build the matrices `wanted` (each: its
        fields, their weights) over the `n_fields` fields of every paper; None when they cannot be (the build
        then lays the catalog out itself)."""
        n = workers() if n_workers is None else n_workers
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ,
               "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        folder = tempfile.mkdtemp(prefix="paperbot-layout-", dir=spill.folder())  # beside the build's spills
        # Each follower's own two pipes with the leader: (leader's read, follower's write, follower's read,
        # leader's write); the ends are the processes', closed here once they are started.
        pipes = [(*os.pipe(), *os.pipe()) for _ in range(n - 1)]
        ends = [[(p[0], p[3]) for p in pipes], *([(p[2], p[1])] for p in pipes)]
        procs: list[subprocess.Popen[bytes]] = []
        try:  # -P: not the working directory first on sys.path, where another `store` package may be
            for own in ends:
                procs.append(subprocess.Popen(
                    [sys.executable, "-P", "-m", "store.search.layout_process"], env=env, stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE if not procs else subprocess.DEVNULL,
                    pass_fds=[fd for pair in own for fd in pair]))
        except OSError as exc:
            for proc in procs:
                proc.kill()
                proc.wait()
            shutil.rmtree(folder, ignore_errors=True)
            log.warning("no layout process (%s): laying out here", exc)
            return None
        finally:
            for fd in (fd for p in pipes for fd in p):
                os.close(fd)
        process = cls(procs, folder)
        header = [(list(f), list(w)) for f, w in wanted], n_fields, folder
        for index, own in enumerate(ends):
            process._write(index, (*header, index, n, own))
        return process

    def send(self, texts: list[str | bytes]) -> None:
        """A batch of papers' field texts (str, or UTF-8 bytes), `n_fields` a paper; it blocks while its process
        is a pipe's worth behind."""
        if texts and self._write(self.batches % len(self.procs), texts):
            self.sent += len(texts)
            self.batches += 1

    def _write(self, index: int, value: Any) -> bool:
        if self.failed:
            return False
        try:
            stdin = self.procs[index].stdin
            assert stdin is not None
            put(stdin, value)
        except (OSError, ValueError) as exc:
            self._fail(f"it stopped ({exc})")
            return False
        return True

    def end(self) -> None:
        """Every text is sent: the processes go on to the matrices while the build makes the index's other parts."""
        if self.ended or self.failed:
            return
        self.ended = True
        try:
            for proc in self.procs:
                assert proc.stdin is not None
                proc.stdin.write(bytes(LENGTH))
                proc.stdin.close()
        except (OSError, ValueError) as exc:
            self._fail(f"it stopped ({exc})")

    def finish(self) -> tuple[list[BM25Matrix], TermTable] | None:
        """Every text sent laid out: (the matrices wanted, the vocabulary); None when the processes did not lay
        out every text sent (the build then lays the catalog out itself)."""
        if self.finished:
            return None
        self.finished = True
        try:
            self.end()
            if self.failed:
                return None
            assert self.proc.stdout is not None
            answer = get(self.proc.stdout)
            if answer is None:
                raise EOFError("no answer")
            count, vocabulary, sent = answer
            if count != self.sent:
                raise ValueError(f"{count} of {self.sent} texts laid out")
            return [_taken(s, vocabulary) for s in sent], vocabulary
        except Exception as exc:  # it stopped, or answered what was not asked: laid out by the build instead
            self._fail(f"its answer could not be taken ({exc})")
            return None
        finally:
            self.close()

    def _fail(self, why: str) -> None:
        if not self.failed:
            codes = [proc.poll() for proc in self.procs]
            log.warning("the layout process failed: %s%s; laying out here", why,
                        "" if all(c is None for c in codes) else f" (they ended with {codes})")
        self.failed = True
        for proc in self.procs:
            with contextlib.suppress(OSError):
                proc.kill()

    def close(self) -> None:
        """Stop the processes that still run, and remove their folder (the files mapped already stay, unnamed)."""
        for proc in self.procs:
            if proc.poll() is None and not self.finished:
                with contextlib.suppress(OSError):
                    proc.kill()
            for pipe in (proc.stdin, proc.stdout):
                with contextlib.suppress(OSError, ValueError):
                    if pipe is not None:
                        pipe.close()
        for proc in self.procs:
            proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
