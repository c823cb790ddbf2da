"""The built index on disk, mapped at start-up rather than read: ready in a fraction of a second at any size.

A snapshot is stamped with the corpus version the database held when its papers were read: a random
token that every ingest which changes a paper renews, in the same transaction (store.corpus.sync).
A snapshot with another stamp, or one that cannot be read, is ignored and rebuilt: it is a cache,
never the source of truth. It is written and read only by paperbot, beside its own data.

The main file: a header (format, stamp, where each array's bytes are), the index's small Python objects as
a pickle, then the bytes of the arrays a build held (pickle protocol 5's out-of-band buffers), each aligned.
The arrays a full build spilled to files (store/search/spill.py: the catalog's texts, the BM25 matrices,
some 1.9 GB at a million papers) are not copied into it: those files, written in a folder beside the
snapshot (`building_folder`), are linked into its parts folder (`parts_of`) and named in the header; an
index loaded from a snapshot and saved again (with its meaning vectors) links the same parts again. Loading
maps the main file and the parts and unpickles the small part; the arrays are views of the mappings, so the
BM25 postings are read from disk by the operating system when a query touches them, and are shared by every
process that maps the same snapshot. The catalog's summaries are read with pread
(catalog.Texts.read_from): a mapped page touched brings its cached neighbours into the process too, and
scattered hits would soon have every summary resident; the short columns (titles, names) are read through
the mapping. /author's people are columns too (people.py): loading makes no object per person. The main file
is replaced whole (written beside, then renamed), never changed in place, and a part is never written again:
an index mapping the old files keeps reading them. A save removes the parts no snapshot reads any more but
those of saves under way (this process's, or another live process's); a process that opened the file a save
then replaced, and finds its parts gone, reads the new file instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import mmap
import os
import pickle
import secrets
import shutil
import struct
import tempfile
import threading
from pathlib import Path
from typing import BinaryIO

import numpy as np
from sqlalchemy.engine import make_url

from store.db.engine import default_data_dir, in_memory, redact
from store.search import spill
from store.search.index import SearchIndex
from store.search.turns import let_others_in

log = logging.getLogger(__name__)

FORMAT = 11  # bump whenever SearchIndex's layout changes: old snapshots are then rebuilt (11: parts beside)
MAGIC = b"paperbot-index\n"
ALIGN = 64  # each array starts on a cache line
_REBUILT_ON_USE = ("_folded_titles", "_query_expander", "_last_why_terms")
_SIZES = struct.Struct("<QQ")  # header pickle, main pickle
# Bytes one call copies in the kernel: the event loop was caught late by 100-200 ms on a busy two-core machine
# while one call copied hundreds of MB (bench.stalls); between calls the build lets others in.
COPY_BYTES = 16 << 20
_LOCK = threading.Lock()
_SAVING: set[str] = set()  # this process's saves under way: their parts are not swept


def snapshot_path(url: str) -> Path | None:
    """Beside a SQLite file; in the data folder for a server database; nowhere for an in-memory one."""
    if in_memory(url):
        return None
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        return Path(f"{Path(parsed.database).expanduser()}.index")
    digest = hashlib.sha256(redact(url).encode()).hexdigest()[:16]
    return default_data_dir() / f"index-{digest}.pickle"


def _padded(at: int) -> int:
    return -at % ALIGN


def parts_of(path: Path) -> Path:
    """The folder of a snapshot's parts: the arrays a full build spilled, kept as the files they were written to."""
    return path.with_name(f"{path.name}.parts")


def building_folder(path: Path) -> Path | None:
    """A folder for the spills of a build that `path` will be saved from (store.search.spill.named_in): the
    snapshot links them rather than copying them. Removed by the caller; a crashed process's by `_sweep`. None
    when it cannot be made (the build spills to unnamed files, and the save says what it cannot write)."""
    parts = parts_of(path)
    try:
        parts.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"building-{os.getpid()}-", dir=parts))
    except OSError:
        return None


def save(index: SearchIndex, path: Path, version: str) -> None:
    """Write atomically: a crash mid-write leaves the previous snapshot, never half of one."""
    tmp: Path | None = None
    # A name of its own: two saves in one process (a reload's rebuild and another Library on the same database)
    # would otherwise write into one file, and sweep each other's parts.
    token = f"{os.getpid()}-{secrets.token_hex(6)}"
    with _LOCK:
        _SAVING.add(token)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        name = path.with_name(f".{path.name}.{token}.tmp")
        with name.open("xb") as fh:  # created with the umask's mode, as the database beside it
            tmp = name
            _write_index(fh, index, version, parts_of(path), token)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
        _sweep(parts_of(path), keep={token})
    except OSError as exc:
        log.warning("could not save the index snapshot %s: %s", path, exc)
    finally:
        with _LOCK:
            _SAVING.discard(token)
        if tmp is not None:  # this save's parts go too
            tmp.unlink(missing_ok=True)
            _sweep(parts_of(path), keep=_tokens(path))


def _write_index(fh: BinaryIO, index: SearchIndex, version: str, parts: Path, token: str) -> None:
    state = {k: v for k, v in index.__dict__.items() if k not in _REBUILT_ON_USE}
    buffers: list[pickle.PickleBuffer] = []
    main = pickle.dumps(state, protocol=5, buffer_callback=buffers.append)
    views = [b.raw() for b in buffers]
    linked: dict[int, str] = {}  # id of a spill file -> its part's name
    sources = [spill.where(np.frombuffer(v, dtype=np.uint8).ctypes.data, v.nbytes) if v.nbytes else None
               for v in views]  # each buffer's spill file and offset there, if it was spilled
    spans: list[tuple[str | None, int, int]] = []  # each buffer: (its part, or None: here), offset there, bytes
    for view, source in zip(views, sources, strict=True):
        part = None if source is None else _linked(source[0], parts, f"{token}.{len(linked)}", linked)
        spans.append((None, 0, view.nbytes) if part is None or source is None else (part, source[1], view.nbytes))
    if linked:
        _fsync_folder(parts)
    header = pickle.dumps((FORMAT, version, spans), protocol=5)
    fh.write(MAGIC)
    fh.write(_SIZES.pack(len(header), len(main)))
    fh.write(header)
    fh.write(main)
    at = len(MAGIC) + _SIZES.size + len(header) + len(main)
    for view, source, (part, _, _) in zip(views, sources, spans, strict=True):
        if part is None:
            fh.write(b"\0" * _padded(at))
            at += _padded(at)
            _write(fh, view, source)
            at += view.nbytes


def _write(fh: BinaryIO, view: memoryview, source: tuple[BinaryIO, int] | None) -> None:
    """One array's bytes; an array a build kept in a file it could not link (`source`: the file, the offset) is
    copied from it, not read into this process."""
    if source is None:
        fh.write(view)
        return
    fh.flush()
    src, offset = source
    left = view.nbytes
    while left:
        try:  # in the kernel, without passing through this process
            done = os.copy_file_range(src.fileno(), fh.fileno(), min(left, COPY_BYTES), offset)
        except OSError:  # another file system (EXDEV), or no such call: a megabyte at a time
            done = 0
        if done <= 0:
            fh.seek(0, os.SEEK_END)
            done = fh.write(os.pread(src.fileno(), min(left, 1 << 20), offset))
            fh.flush()
            if not done:
                raise OSError(f"could not copy {left} bytes of a spilled array")
        offset += done
        left -= done
        let_others_in()
    fh.seek(0, os.SEEK_END)


def _linked(file: BinaryIO, parts: Path, name: str, linked: dict[int, str]) -> str | None:
    """The part a spill file is kept as (linked on first use, its bytes made durable); None when it cannot be
    (an unnamed file, another file system): its bytes are then copied into the snapshot itself."""
    if id(file) in linked:
        return linked[id(file)]
    if not isinstance(file.name, str):
        return None
    try:
        os.link(file.name, parts / name)
    except OSError:
        return None
    file.flush()
    os.fsync(file.fileno())
    linked[id(file)] = name
    return name


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every system opens a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _tokens(path: Path) -> set[str]:
    """The saves whose parts the snapshot at `path` reads (none when there is no readable one)."""
    try:
        with path.open("rb") as fh:
            return {part.split(".")[0] for part, _, _ in _header(fh)[2] if part is not None}
    except Exception:  # no snapshot, or not one this format reads: it reads no part
        return set()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's: alive
        return True
    return True


def _sweep(parts: Path, keep: set[str]) -> None:
    """Remove the parts no snapshot will read: those of the saves neither kept nor under way (this process's own
    `_SAVING`, or a live process's), and the build folders of processes that are gone."""
    with _LOCK:
        keep = keep | _SAVING
    try:
        entries = list(os.scandir(parts))
    except OSError:
        return
    for entry in entries:
        owner, _, _ = entry.name.removeprefix("building-").partition("-")
        if not owner.isdigit():
            continue
        pid = int(owner)
        if entry.name.startswith("building-"):
            if not _alive(pid):
                shutil.rmtree(entry.path, ignore_errors=True)
        elif entry.name.split(".")[0] not in keep and (pid == os.getpid() or not _alive(pid)):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def load(path: Path, version: str) -> SearchIndex | None:
    """The snapshot's index if it was built from this corpus version, else None."""
    for attempt in (1, 2):
        try:
            fh = path.open("rb")  # kept open if the catalog's texts are read from it (catalog.Texts.read_from)
        except FileNotFoundError:
            return None
        try:
            index = _mapped(fh, version, parts_of(path))
        except FileNotFoundError as exc:
            opened = os.fstat(fh.fileno()).st_ino
            fh.close()
            with contextlib.suppress(OSError):
                if attempt == 1 and os.stat(path).st_ino != opened:
                    continue  # a save replaced the file just opened, and removed its parts: read the new one
            log.warning("ignoring the index snapshot %s: %s", path, exc)
            return None
        except Exception as exc:  # a truncated or foreign file: rebuild, and say so
            log.warning("ignoring the index snapshot %s: %s", path, exc)
            index = None
        if index is None:
            fh.close()
        return index
    return None


def _header(fh: BinaryIO) -> tuple[int, str, list[tuple[str | None, int, int]], int, int]:
    """(format, stamp, each buffer's span, where the main pickle starts, its size)."""
    if fh.read(len(MAGIC)) != MAGIC:
        raise ValueError("not a paperbot index snapshot (or one of an older format)")
    header_size, main_size = _SIZES.unpack(fh.read(_SIZES.size))
    form, stamp, spans = pickle.loads(fh.read(header_size))
    if form != FORMAT:
        raise ValueError(f"format {form}, not {FORMAT}")
    return form, stamp, spans, len(MAGIC) + _SIZES.size + header_size, main_size


def _mapped(fh: BinaryIO, version: str, parts: Path) -> SearchIndex | None:
    try:
        _, stamp, spans, start, main_size = _header(fh)
    except ValueError as exc:
        if str(exc).startswith("format "):
            return None  # an older paperbot's: rebuilt, as a stale one
        raise
    if stamp != version:
        return None
    at = start + main_size
    files: dict[str | None, tuple[BinaryIO, mmap.mmap | np.ndarray]] = {}
    buffers = []
    for part, offset, size in spans:
        if part is None:
            at += _padded(at)
            offset, at = at, at + size
        elif part not in files:
            file = (parts / part).open("rb")  # kept open by spill's registry: a later save links it again
            files[part] = (file, spill.mapped(file, np.uint8))
        if part is not None and len(files[part][1]) < offset + size:
            raise ValueError(f"part {part} holds {len(files[part][1])} bytes, not {offset + size}")
        buffers.append((part, offset, size))
    if (found := os.fstat(fh.fileno()).st_size) != at:
        raise ValueError(f"{found} bytes where the header says {at}")
    files[None] = (fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))
    whole = {part: memoryview(m) for part, (_, m) in files.items()}
    state = pickle.loads(whole[None][start : start + main_size],
                         buffers=[whole[part][a : a + n] for part, a, n in buffers])
    index = SearchIndex.__new__(SearchIndex)
    index.__dict__.update(state)
    bases = [(np.frombuffer(m, dtype=np.uint8).ctypes.data, len(m), file) for file, m in files.values() if len(m)]

    read: set[int] = set()  # the files the catalog's texts are read from (pread)

    def where(address: int) -> tuple[BinaryIO, int] | None:
        for base, size, file in bases:
            if base <= address < base + size:
                read.add(id(file))
                return file, address - base
        return None

    index.papers.read_from(where)
    if id(fh) not in read:  # its mapping holds a file of its own
        fh.close()
    return index
