"""A full build's layout and matrices in a process of its own, fed as the catalog is read: `python -m
store.search.layout_process`.

Laying a million papers' fields out as term ids is some 15 s of Python, and reading them from the database
as long again, one after the other on one core while a small server's second core waits. Here the reader
sends each batch's field texts (`send`: four per paper, `fields.joined_fields`) to this process as soon as
the batch is read; it lays them out in order with the one `FieldLayout`, so the term ids and the vocabulary
are the ones a layout in the building process gives (ids are numbered as terms are first met, whatever the
batches). Once the last batch is in, it builds the BM25F matrices (`BatchedFields.matrix`, the same code and
so the same floats) while the building process makes the index's other parts (people, topics, acronyms).
The matrices' two large arrays each are written to files of a folder of the building process's, which maps
them (store/search/spill.py) and removes their names; the rest (the vocabulary, each matrix's row offsets,
idf and mean lengths) comes back in one message. The words' caches of a layout (hundreds of MB at a
million papers) and the matrices' work arrays live and die with this process.

Each message on either pipe is a pickle preceded by its length as 8 big-endian bytes; a length of zero ends
the texts. The process answers only once every text is in, so neither side ever waits on a full pipe the
other is not reading. Anything wrong (the process cannot start, stops, or answers what was not asked) makes
`finish` answer None: the build then lays the catalog out itself, as it does for a small one. A process of
its own started by module name, as the ingest's parsing process (store.ingest.worker), not through
multiprocessing, which re-runs the parent's main script.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np
from scipy import sparse

from store.search import spill
from store.search.bm25 import BM25Matrix
from store.search.bm25_batched import BatchedFields
from store.search.layout import FieldLayout
from store.search.terms import TermTable

log = logging.getLogger(__name__)

_LENGTH = 8
# The process yields the cores to the bot's own threads when they want them: the event loop that keeps the
# gateway alive, and the queries members ask meanwhile. Its work waits a moment; theirs would be late.
NICENESS = 10  # added to the niceness it starts with (a rebuild's thread's, itself lowered: store.db.database)
Wanted = Sequence[tuple[Sequence[int], Sequence[float]]]  # each matrix's fields and their weights


def _put(out: IO[bytes], value: Any) -> None:
    """A message, written with os.write until every byte is: a buffered pipe's write was seen to end early,
    its rest lost, when the process was paused meanwhile (by a profiler)."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()
    fd, head = out.fileno(), len(data).to_bytes(_LENGTH, "big")
    for part in (memoryview(head), memoryview(data)):
        done = 0
        while done < len(part):
            done += os.write(fd, part[done:])


def _get(given: IO[bytes]) -> Any:
    """The next message; None at the end (a zero length, or the pipe closed); EOFError for one cut short."""
    head = given.read(_LENGTH)
    size = int.from_bytes(head, "big") if len(head) == _LENGTH else 0
    if not size:
        return None
    data = bytearray()
    while len(data) < size and (more := given.read(size - len(data))):
        data += more
    if len(data) != size:
        raise EOFError(f"a message cut short ({len(data)} of {size} bytes)")
    return pickle.loads(data)


def _named(folder: str, made: list[str], prefix: str) -> Callable[[], BinaryIO]:
    def make() -> BinaryIO:
        made.append(os.path.join(folder, f"{prefix}.{len(made)}"))
        return open(made[-1], "w+b")

    return make


def _sent(matrix: BM25Matrix, files: list[str]) -> tuple[Any, ...]:
    """A matrix as the building process takes it: its arrays' files and the rest, or (empty) the matrix whole."""
    if not files:
        return ("whole", matrix)
    w = matrix.weights
    return ("files", files, w.indptr, w.shape, matrix.n_docs, matrix.idf, matrix.avgdl)


def main() -> None:
    """The process: every batch of texts laid out, then the matrices wanted; (texts laid out, vocabulary, matrices)."""
    given, out = sys.stdin.buffer, sys.stdout.buffer
    with contextlib.suppress(AttributeError, OSError):  # where the system has it
        os.nice(NICENESS)
    wanted, n_fields, folder = _get(given)
    layout = FieldLayout()
    fields = BatchedFields(n_fields)
    count = 0
    try:
        while (texts := _get(given)) is not None:
            flat, lengths = layout.lay_out([t if type(t) is str else t.decode("utf-8", "surrogatepass")
                                            for t in texts])
            fields.add(flat, lengths)
            count += len(lengths)
        vocabulary = layout.term_table()
        del layout
        matrices = []
        for k, (chosen, weights) in enumerate(wanted):
            made: list[str] = []
            matrices.append(_sent(fields.matrix(chosen, weights, vocabulary, files=_named(folder, made, str(k))), made))
        _put(out, (count, vocabulary, matrices))
    except BrokenPipeError:  # the build stopped listening (it failed, or was cancelled): nothing to tell
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        fields.close()


def _mapped(path: str, dtype: type) -> np.ndarray:
    """A file the process wrote, mapped here; its name removed (the mapping keeps it until the index goes)."""
    file = open(path, "rb")  # noqa: SIM115 (kept open by the mapping's registry, store.search.spill)
    os.unlink(path)
    return spill.mapped(file, dtype)


def _taken(sent: tuple[Any, ...], vocabulary: TermTable) -> BM25Matrix:
    if sent[0] == "whole":
        matrix: BM25Matrix = sent[1]
        matrix.vocabulary = vocabulary
        return matrix
    _, (indices, weights), indptr, shape, n_docs, idf, avgdl = sent
    # The small arrays as this process makes its own (a message's are read-only views of it): the index, and
    # its snapshot, are the ones a build here makes, byte for byte.
    indptr, idf, avgdl = (np.array(a) for a in (indptr, idf, avgdl))
    matrix = BM25Matrix(sparse.csr_matrix((_mapped(weights, np.float32), _mapped(indices, np.int32), indptr),
                                          shape=shape), vocabulary, n_docs, idf)
    matrix.avgdl = avgdl
    return matrix


class LayoutProcess:
    """The building process's side: `send` each batch's field texts, in catalog order, then `finish`."""

    def __init__(self, proc: subprocess.Popen[bytes], folder: str) -> None:
        self.proc = proc
        self.folder = folder  # where the process writes the matrices' arrays
        self.sent = 0  # texts sent
        self.failed = False
        self.finished = False

    @classmethod
    def start(cls, wanted: Wanted, n_fields: int) -> LayoutProcess | None:
        """The process started, to build the matrices `wanted` (each: its fields, their weights) over the
        `n_fields` fields of every paper; None when it cannot be (the build then lays the catalog out itself)."""
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ,
               "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        folder = tempfile.mkdtemp(prefix="paperbot-layout-")
        try:  # -P: not the working directory first on sys.path, where another `store` package may be
            proc = subprocess.Popen([sys.executable, "-P", "-m", "store.search.layout_process"], env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            log.warning("no layout process (%s): laying out here", exc)
            return None
        process = cls(proc, folder)
        process._write([(list(f), list(w)) for f, w in wanted], n_fields, folder)
        return process

    def send(self, texts: list[str | bytes]) -> None:
        """A batch of papers' field texts (str, or UTF-8 bytes), `n_fields` a paper; it blocks while the process
        is a pipe's worth behind."""
        if texts and self._write(texts):
            self.sent += len(texts)

    def _write(self, *value: Any) -> bool:
        if self.failed:
            return False
        try:
            assert self.proc.stdin is not None
            _put(self.proc.stdin, value[0] if len(value) == 1 else value)
        except (OSError, ValueError) as exc:
            self._fail(f"it stopped ({exc})")
            return False
        return True

    def finish(self) -> tuple[list[BM25Matrix], TermTable] | None:
        """Every text sent laid out: (the matrices wanted, the vocabulary); None when the process did not lay
        out every text sent (the build then lays the catalog out itself)."""
        if self.finished:
            return None
        self.finished = True
        try:
            if self.failed:
                return None
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(bytes(_LENGTH))  # the end of the texts
            self.proc.stdin.close()
            answer = _get(self.proc.stdout)
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
            code = self.proc.poll()
            log.warning("the layout process failed: %s%s; laying out here", why,
                        "" if code is None else f" (it ended with {code})")
        self.failed = True
        with contextlib.suppress(OSError):
            self.proc.kill()

    def close(self) -> None:
        """Stop the process if it still runs, and remove its folder (the files mapped already stay, unnamed)."""
        if self.proc.poll() is None and not self.finished:
            with contextlib.suppress(OSError):
                self.proc.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                if pipe is not None:
                    pipe.close()
        self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
