"""A full build's layout (layout.py) in a process of its own, fed as the catalog is read: `python -m
store.search.layout_process`.

Laying a million papers' fields out as term ids is some 15 s of Python, and reading them from the database
as long again, one after the other on one core while a small server's second core waits. Here the reader
sends each batch's field texts (`send`: four per paper, `index._field_texts`'s) to this process as soon as
the batch is read; it lays them out in order with the one `FieldLayout`, so the term ids and the vocabulary
are the ones a layout in the building process gives (the ids are numbered as terms are first met, whatever
the batches), and sends each batch's ids back. A thread of the building process takes them into a
`BatchedFields` as they come (its writes never wait for the reader's sends, nor the other way round), and
`finish` hands that and the vocabulary to `SearchIndex`. The words' caches of a layout (hundreds of MB at a
million papers) live and die with this process.

Each message on either pipe is a pickle preceded by its length as 8 big-endian bytes; a length of zero
ends the texts. Anything wrong (the process cannot start, stops, or sends what was not asked) makes
`finish` answer None: the build then lays the catalog out itself, as it does for a small one. A process
of its own started by module name, as the ingest's parsing process (store.ingest.worker), not through
multiprocessing, which re-runs the parent's main script.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from store.search.bm25_batched import BatchedFields
from store.search.layout import FieldLayout
from store.search.terms import TermTable

log = logging.getLogger(__name__)

_LENGTH = 8


def _put(out: IO[bytes], value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(len(data).to_bytes(_LENGTH, "big"))
    out.write(data)
    out.flush()


def _get(given: IO[bytes]) -> Any:
    """The next message; None at the end (a zero length, or the pipe closed)."""
    head = given.read(_LENGTH)
    size = int.from_bytes(head, "big") if len(head) == _LENGTH else 0
    if not size:
        return None
    data = given.read(size)
    if len(data) != size:
        raise EOFError("a message cut short")
    return pickle.loads(data)


def main() -> None:
    """The process: each batch of texts laid out and its (ids, lengths) sent back, then the vocabulary."""
    given, out = sys.stdin.buffer, sys.stdout.buffer
    layout = FieldLayout()
    try:
        while (texts := _get(given)) is not None:
            _put(out, layout.lay_out([t if type(t) is str else t.decode("utf-8", "surrogatepass") for t in texts]))
        _put(out, layout.term_table())
    except BrokenPipeError:  # the build stopped listening (it failed, or was cancelled): nothing to tell
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


class LayoutProcess:
    """The building process's side: `send` each batch's field texts, in catalog order, then `finish`."""

    def __init__(self, proc: subprocess.Popen[bytes], n_fields: int) -> None:
        self.proc = proc
        self.fields: BatchedFields | None = BatchedFields(n_fields)
        self.vocabulary: TermTable | None = None
        self.sent = 0  # texts sent
        self.taken = 0  # texts laid out and taken back
        self.failed = False
        self._taking = threading.Thread(target=self._take, name="layout-results", daemon=True)
        self._taking.start()

    @classmethod
    def start(cls, n_fields: int) -> LayoutProcess | None:
        """The process started, or None when it cannot be (the build then lays the catalog out itself)."""
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ,
               "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        try:  # -P: not the working directory first on sys.path, where another `store` package may be
            proc = subprocess.Popen([sys.executable, "-P", "-m", "store.search.layout_process"], env=env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        except OSError as exc:
            log.warning("no layout process (%s): laying out here", exc)
            return None
        return cls(proc, n_fields)

    def send(self, texts: list[str | bytes]) -> None:
        """A batch of papers' field texts (str, or UTF-8 bytes), `n_fields` a paper; it blocks while the process
        is a pipe's worth behind."""
        if self.failed or not texts:
            return
        try:
            assert self.proc.stdin is not None
            _put(self.proc.stdin, texts)
            self.sent += len(texts)
        except (BrokenPipeError, OSError, ValueError) as exc:
            self._fail(f"it stopped ({exc})")

    def _take(self) -> None:
        """On its own thread: every batch's ids into `fields` as they come, then the vocabulary."""
        assert self.proc.stdout is not None
        try:
            while (message := _get(self.proc.stdout)) is not None:
                if isinstance(message, TermTable):
                    self.vocabulary = message
                    return
                flat, lengths = message
                if self.fields is not None:
                    self.fields.add(flat, lengths)
                    self.taken += len(lengths)
        except Exception as exc:  # a message cut short, or not a pickle: laid out by the build instead
            self._fail(f"its answer could not be read ({exc})")

    def finish(self) -> tuple[BatchedFields, TermTable] | None:
        """Every text sent laid out: (the fields, the vocabulary), the fields now the caller's to close; None
        when the process did not lay every text out (the build then lays the catalog out itself)."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(OSError, ValueError):
                self.proc.stdin.write(bytes(_LENGTH))  # the end of the texts
                self.proc.stdin.close()
        self._taking.join()
        self.proc.wait()
        fields, vocabulary = self.fields, self.vocabulary
        if self.failed or fields is None or vocabulary is None or self.taken != self.sent:
            if not self.failed:
                log.warning("the layout process laid out %d of %d texts: laying out here", self.taken, self.sent)
            self.close()
            return None
        self.fields = None
        return fields, vocabulary

    def _fail(self, why: str) -> None:
        if not self.failed:
            log.warning("the layout process failed: %s; laying out here", why)
        self.failed = True
        with contextlib.suppress(OSError):
            self.proc.kill()

    def close(self) -> None:
        """Stop the process if it still runs, and free what it laid out (a build that failed, or did not use it)."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()
        self.proc.wait()
        if threading.current_thread() is not self._taking:
            self._taking.join()  # the pipe ends with the process
        for pipe in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError, ValueError):
                if pipe is not None:
                    pipe.close()
        if self.fields is not None:
            self.fields.close()
            self.fields = None


if __name__ == "__main__":
    main()
