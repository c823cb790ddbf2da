"""Find the corpus files under the paths given and parse them, off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import pickle
import stat
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from store.ingest import SUPPORTED_SUFFIXES, parse_file
from store.records import CORPUS_ROOT, Parsed, ParsedFile, Problem

log = logging.getLogger(__name__)

PROCESS_WORTHWHILE_BYTES = 16 << 20  # below this, starting a parsing process costs more than it saves


def _files_under(folder: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        found.extend(Path(dirpath) / f for f in sorted(filenames) if not f.startswith("."))
    return found


def sha256_of(path: Path) -> str | None:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a named pipe blocks on open, /dev/zero never ends
            return None
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """A supported file found under the paths given, before it is read."""

    path: Path
    name: str  # relative to `root`; the document's identity
    root: str


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
    themselves (missing, unsupported type, a name that is not UTF-8). A file is known by its root and
    its name under it: the folder given, resolved, or `corpus_root` for what lies in `corpus_dir` (the
    deployment's corpus folder), so that folder's files are the same documents from any machine or
    path. Only a whole folder given is pruned (`corpus_dir` itself, not a subfolder of it).
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
            if not inside:  # the folder itself: its vanished files are pruned
                roots.append(root)
            prefix = f"{inside}/" if inside else ""
            candidates = [(f, prefix + f.relative_to(path).as_posix()) for f in _files_under(path)]
        elif path.exists() or path.is_symlink():
            inside = _within(path.parent.resolve() / path.name, corpus)
            root = corpus_root if inside else str(path.parent.resolve())
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
            files.append(CorpusFile(file, name, str(root)))
    return files, roots, problems


def read(file: CorpusFile) -> ParsedFile:
    """Parse one file and fingerprint it (CPU and disk work: off the event loop)."""
    parsed = parse_file(file.path, file.name)
    sha = sha256_of(file.path)
    failed = sha is None or (not parsed.records and bool(parsed.problems))
    if sha is None and not parsed.problems:
        parsed = Parsed([], [Problem(file.name, 0, "could not be read")])
    return ParsedFile(name=file.name, root=file.root, sha256=sha or "", parsed=parsed, failed=failed)


async def parsed(files: Sequence[CorpusFile]) -> AsyncIterator[ParsedFile]:
    """The files parsed, in order, as each is ready.

    A bulk import is parsed by a worker process (`store.ingest.worker`), so parsing the next file
    overlaps the database work on this one: the import then takes about as long as its database work
    alone. A thread would not do: it would hold the GIL that sqlite3 needs back after every row it
    steps. Small imports, and machines with one CPU, parse on a thread, where a process costs more
    than it saves; so does the rest of an import whose worker fails.
    """
    done = 0
    if (os.cpu_count() or 1) > 1 and _total_size(files) >= PROCESS_WORTHWHILE_BYTES:
        async with contextlib.aclosing(_parsed_by_worker(files)) as by_worker:
            async for result in by_worker:
                yield result
                done += 1
    for file in files[done:]:
        yield await asyncio.to_thread(read, file)


async def _parsed_by_worker(files: Sequence[CorpusFile]) -> AsyncIterator[ParsedFile]:
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    try:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "store.ingest.worker", env=env,
                                                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    except OSError as exc:
        log.warning("no parsing process (%s): parsing here", exc)
        return
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(pickle.dumps(list(files), protocol=pickle.HIGHEST_PROTOCOL))
        await proc.stdin.drain()
        proc.stdin.close()
        for _ in files:
            size = int.from_bytes(await proc.stdout.readexactly(8), "big")
            yield pickle.loads(await proc.stdout.readexactly(size))
    except (asyncio.IncompleteReadError, ConnectionError) as exc:
        log.warning("the parsing process stopped (%s): parsing the rest here", exc)
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        await proc.wait()


def _total_size(files: Sequence[CorpusFile]) -> int:
    total = 0
    for file in files:
        with contextlib.suppress(OSError):
            total += file.path.stat().st_size
    return total
