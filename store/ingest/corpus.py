"""Find the corpus files under the paths given and parse them, off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import pickle
import sys
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from store.ingest.pipes import Reader
from store.ingest.records import CORPUS_ROOT, Parsed, ParsedFile, Problem, StreamedFile
from store.ingest.stream import Ended, Message, Opened, ProblemCap, jsonl_messages
from store.ingest.text.files import open_regular, outside_folder
from store.ingest.text.limits import SUPPORTED_SUFFIXES

log = logging.getLogger(__name__)

PROCESS_WORTHWHILE_BYTES = 16 << 20  # below this, starting a parsing process costs more than it saves
# What the parsing process may send ahead of the import: a few batches (some 3.5 MB each at 2,000 papers),
# taken in while the import writes, so the process goes on parsing rather than waiting for it to read.
AHEAD_BYTES = 8 << 20
PIPE_BYTES = 1 << 20  # the pipe's own buffer (Linux's most for anyone; 64 kB by default): fewer, larger reads
LINKED_FOLDER = "a link to a folder outside the corpus folder; not read"


def _files_under(folder: Path) -> tuple[list[Path], list[Path]]:
    """The files under `folder`, and the links to folders found there (not followed: a folder's files
    are read where they really are, once)."""
    found: list[Path] = []
    linked: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        linked.extend(Path(dirpath) / d for d in dirnames if (Path(dirpath) / d).is_symlink())
        found.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
    return found, linked


def sha256_of(path: Path, inside: Path | None = None) -> str | None:
    """The file's fingerprint, or None when it cannot be read or is refused (see `open_regular`)."""
    handle = open_regular(path, path.name, inside)
    if isinstance(handle, Problem):
        return None
    try:
        with handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """A supported file found under the paths given, before it is read."""

    path: Path
    name: str  # relative to `root`; the document's identity
    root: str
    inside: Path | None = None  # the folder it was found in, resolved: its real path must stay inside
    new: bool = False  # the database holds no document of it: a JSON Lines file is read once (store.ingest.stream)


def _within(path: Path, folder: Path | None) -> str | None:
    """`path`'s name relative to `folder` ("" for the folder itself), or None when it is outside."""
    if folder is None:
        return None
    try:
        relative = path.relative_to(folder)
    except ValueError:
        return None
    return "" if relative == Path(".") else relative.as_posix()


def find(paths: Sequence[Path], corpus_dir: Path | None = None, corpus_root: str = CORPUS_ROOT
         ) -> tuple[list[CorpusFile], list[str], list[Problem]]:
    """The supported files under `paths`.

    Returns the files, the roots whose vanished files should be pruned, and problems with paths
    themselves (missing, unsupported type, a name that is not UTF-8, a link to a folder outside). A
    file is known by its root and its name under it: the folder given, resolved, or `corpus_root` for
    what lies in `corpus_dir` (the deployment's corpus folder), so that folder's files are the same
    documents from any machine or path. Only a whole folder given is pruned (`corpus_dir` itself, not a
    subfolder of it). A file found in a folder may be read only from inside that folder (`corpus_dir`
    for its subfolders); a file named on its own is the caller's choice, read wherever it lies.
    """
    files: list[CorpusFile] = []
    roots: list[str] = []
    problems: list[Problem] = []
    corpus = Path(corpus_dir).expanduser().resolve() if corpus_dir is not None else None
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            inside = _within(path.resolve(), corpus)
            root = corpus_root if inside is not None else str(path.resolve())
            boundary = corpus if inside is not None else path.resolve()
            if not inside:  # the folder itself: its vanished files are pruned
                roots.append(root)
            prefix = f"{inside}/" if inside else ""
            found, linked = _files_under(path)
            candidates = [(f, prefix + f.relative_to(path).as_posix()) for f in found]
            problems.extend(Problem(prefix + d.relative_to(path).as_posix(), 0, LINKED_FOLDER)
                            for d in linked if not _really_within(d, boundary))
        elif path.exists() or path.is_symlink():
            inside = _within(path.parent.resolve() / path.name, corpus)
            root = corpus_root if inside else str(path.parent.resolve())
            boundary = None
            candidates = [(path, inside or path.name)]
        else:
            problems.append(Problem(str(given), 0, "no such file or folder"))
            continue
        for file, name in candidates:
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            if shown != name:  # names are stored as UTF-8: one that is not would fail the whole transaction
                problems.append(Problem(shown, 0, "skipped: the file name is not UTF-8; rename the file"))
                continue
            if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                problems.append(Problem(name, 0, f"skipped: not a summary file type "
                                                 f"({', '.join(sorted(SUPPORTED_SUFFIXES))})"))
                continue
            files.append(CorpusFile(file, name, str(root), boundary))
    return files, roots, problems


def _really_within(path: Path, folder: Path) -> bool:
    """Whether `path`, every link followed, lies inside `folder` (a loop or a dangling link does not)."""
    try:
        return Path(os.path.realpath(path, strict=True)).is_relative_to(folder)
    except OSError:
        return False


def messages(file: CorpusFile) -> Iterator[Message]:
    """The file read for the database (see store.ingest.stream): a JSON Lines file streamed in batches,
    any other (5 MiB at most) parsed whole and sent as one."""
    if file.path.suffix.lower() == ".jsonl":
        yield from jsonl_messages(file.path, file.name, file.inside, checked=not file.new)
        return
    from store.ingest.formats import parse_file  # not before: a bulk import's process reads JSON Lines only

    parsed = parse_file(file.path, file.name, file.inside)
    sha = sha256_of(file.path, file.inside)
    failed = sha is None or (not parsed.records and bool(parsed.problems))
    if sha is None and not parsed.problems:
        parsed = Parsed([], [Problem(file.name, 0, "could not be read")])
    cap = ProblemCap(file.name)
    yield Opened(sha or "", failed, cap.take(parsed.problems) + cap.rest(), outside_folder(parsed.problems))
    if not failed and parsed.records:
        yield Parsed(parsed.records, [])
    yield Ended(sha or "", failed, [])


def read(file: CorpusFile) -> ParsedFile:
    """One file parsed whole and fingerprinted, as `paperbot check` shows it (an ingest streams it: `parsed`)."""
    whole = Parsed()
    opened, ended = Opened("", True, []), Ended("", True, [])
    for message in messages(file):
        if isinstance(message, Parsed):
            whole.records.extend(message.records)
        elif isinstance(message, Opened):
            opened = message
        else:
            ended = message
        whole.problems.extend(message.problems)
    return ParsedFile(name=file.name, root=file.root, sha256=ended.sha256, parsed=whole,
                      failed=opened.failed or ended.failed, refused=opened.refused)


def explain(file: CorpusFile) -> list[str]:
    """How `paperbot check --explain` says the file was read (within the same folder boundary as a read)."""
    from store.ingest.formats import explain_text, read_text

    text = read_text(file.path, file.name, file.inside)
    if isinstance(text, Problem):
        return [f"not read: {text.message}"]
    return explain_text(text, file.name, file.path.suffix)


async def parsed(files: Sequence[CorpusFile]) -> AsyncIterator[StreamedFile]:
    """The files as streams, in order: each file's records arrive in batches while the caller stores the
    ones before (`StreamedFile`); a file's batches must be taken before the next file is asked for.

    A bulk import is parsed by a worker process (`store.ingest.worker`), so parsing overlaps the database
    work: the import then takes about as long as its database work alone. A thread would not do: it would
    hold the GIL that sqlite3 needs back after every row it steps. Small imports, and machines with one
    CPU, parse on a thread, where a process costs more than it saves; so does the rest of an import whose
    worker fails (from where it stopped: the batches it sent are not sent again).
    """
    worker = None
    if (os.cpu_count() or 1) > 1 and _total_size(files) >= PROCESS_WORTHWHILE_BYTES:
        worker = await _Worker.start(files)
    feed: _Feed | None = None
    try:
        for file in files:
            feed = _Feed(file, worker)
            yield await feed.opened()
            await feed.drain()
            worker = feed.worker
    finally:
        if feed is not None:
            feed.cancel()
            worker = feed.worker
        if worker is not None:
            await worker.stop()


class _Worker:
    """The parsing process: it sends every message of every file, in order (see store.ingest.worker), on a pipe
    of this process's, read as the messages come (`pipes.Reader`: up to `AHEAD_BYTES` ahead)."""

    def __init__(self, proc: asyncio.subprocess.Process, messages: Reader) -> None:
        self.proc = proc
        self.messages = messages

    @classmethod
    async def start(cls, files: Sequence[CorpusFile]) -> _Worker | None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ,
               "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        read_end, write_end = os.pipe()
        try:  # -P: not the working directory first on sys.path, where another `store` package may be
            proc = await asyncio.create_subprocess_exec(sys.executable, "-P", "-m", "store.ingest.worker",
                                                        env=env, stdin=asyncio.subprocess.PIPE, stdout=write_end)
        except OSError as exc:
            os.close(read_end)
            log.warning("no parsing process (%s): parsing here", exc)
            return None
        finally:
            os.close(write_end)
        try:
            messages = Reader(read_end, AHEAD_BYTES)
        except NotImplementedError:  # an event loop that cannot watch a pipe (Windows' proactor)
            os.close(read_end)
            proc.kill()
            await proc.wait()
            log.warning("no parsing process (this event loop cannot read its pipe): parsing here")
            return None
        worker = cls(proc, messages)
        assert proc.stdin is not None
        try:
            proc.stdin.write(pickle.dumps(list(files), protocol=pickle.HIGHEST_PROTOCOL))
            await proc.stdin.drain()
            proc.stdin.close()
        except ConnectionError as exc:
            log.warning("the parsing process stopped (%s): parsing the rest here", exc)
            await worker.stop()
            return None
        return worker

    async def receive(self) -> Message:
        data = await self.messages.get()  # EOFError when the process ended, or a message was cut short
        try:
            message: Message = pickle.loads(data)
        except Exception as exc:  # a damaged message raises what its bytes happen to trip (a str's, a length)
            raise pickle.UnpicklingError(f"a message from the parsing process unreadable ({exc!r})") from exc
        return message

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        self.messages.close()  # what it sent and nobody took is dropped with the pipe
        await self.proc.wait()


class _Feed:
    """One file's messages: from the worker while it lasts, else read here, from where the worker stopped."""

    def __init__(self, file: CorpusFile, worker: _Worker | None) -> None:
        self.file, self.worker = file, worker
        self.here: Iterator[Message] | None = None
        self.taken: list[Opened] = []  # the file's first message, once taken
        self.count = 0  # messages taken
        self.stream: StreamedFile | None = None
        self.ended = False
        self.ahead: asyncio.Future[Parsed | None] | None = None  # the next batch, being received

    async def next(self) -> Message:
        if self.worker is not None:
            try:
                message = await self.worker.receive()
            except (asyncio.IncompleteReadError, ConnectionError, pickle.UnpicklingError, EOFError) as exc:
                log.warning("the parsing process stopped (%s): parsing the rest here", exc)
                await self.worker.stop()
                self.worker = None
            else:
                self.count += 1
                return message
        if self.here is None:
            self.here = messages(self.file)
            if self.count:  # the worker stopped in this file: read again what it sent, and check it is the same file
                again = await asyncio.to_thread(_skip, self.here, self.count)
                if not _same(again, self.taken[0]):
                    self.count += 1
                    return Ended(again.sha256, True, [Problem(self.file.name, 0, "changed while it was read; "
                                                                                 "not read")])
        self.count += 1
        return await asyncio.to_thread(next, self.here)

    async def opened(self) -> StreamedFile:
        first = await self.next()
        assert isinstance(first, Opened)
        self.taken.append(first)
        self.stream = StreamedFile(self.file.name, self.file.root, first.sha256, first.failed, first.problems,
                                   self._batches(), first.refused)
        return self.stream

    async def _batches(self) -> AsyncIterator[Parsed]:
        while (batch := await self._take()) is not None:
            if self.worker is not None:
                # The next batch received while the caller writes this one: taking a message in (unpickling
                # it, some 4 ms a batch) then overlaps the database's work rather than waiting between its
                # writes. Only from the worker: parsing on a thread meanwhile would hold the GIL that
                # sqlite3 needs back after every row (see `parsed`).
                self.ahead = asyncio.ensure_future(self._batch())
            yield batch

    async def _take(self) -> Parsed | None:
        """The next batch: the one received ahead, once it is in, else read now."""
        ahead, self.ahead = self.ahead, None
        return await ahead if ahead is not None else await self._batch()

    def cancel(self) -> None:
        """Stop receiving ahead (the import stopped mid-file: the worker is stopped next)."""
        if self.ahead is not None:
            if self.ahead.done() and not self.ahead.cancelled():
                self.ahead.exception()  # retrieved, so not logged: the import's own error is the one raised
            self.ahead.cancel()
            self.ahead = None

    async def _batch(self) -> Parsed | None:
        """The next batch (the end's problems last), or None at the end."""
        stream = self.stream
        if stream is None or self.ended:
            return None
        message = await self.next()
        if isinstance(message, Ended):
            self.ended = True
            stream.sha256, stream.failed = message.sha256, stream.failed or message.failed
            return Parsed([], message.problems) if message.problems else None
        assert isinstance(message, Parsed)
        stream.records += message.size()
        return message

    async def drain(self) -> None:
        """Take what the caller left of the file, so that the next message is the next file's."""
        while await self._take() is not None:
            pass


def _same(again: Opened, first: Opened) -> bool:
    """Whether a file opened again here is the one the parsing process read: by its fingerprint, or, for a file
    read once (whose fingerprint comes at its end), by its size and modification time."""
    if again.failed:
        return False
    if first.sha256:
        return again.sha256 == first.sha256
    return first.stamp is not None and again.stamp == first.stamp


def _skip(messages: Iterator[Message], count: int) -> Opened:
    """Pass over the first `count` messages; the first, which says what the file was when read."""
    first = next(messages)
    assert isinstance(first, Opened)
    for _ in range(count - 1):
        next(messages)
    return first


def _total_size(files: Sequence[CorpusFile]) -> int:
    total = 0
    for file in files:
        with contextlib.suppress(OSError):
            total += file.path.stat().st_size
    return total
