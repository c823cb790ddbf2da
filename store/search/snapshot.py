"""The built index on disk, mapped at start-up rather than read: ready in a fraction of a second at any size.

A snapshot is stamped with the corpus version the database held when its papers were read: a random
token that every ingest which changes a paper renews, in the same transaction (store.corpus.sync).
A snapshot with another stamp, or one that cannot be read, is ignored and rebuilt: it is a cache,
never the source of truth. It is written and read only by paperbot, beside its own data.

One file: a header (format, stamp, the sizes of what follows), the index's small Python objects as a
pickle, then every numpy array's bytes (pickle protocol 5's out-of-band buffers), each aligned. Loading
maps the file and unpickles the small part; the arrays are views of the mapping, so the BM25 postings
are read from disk by the operating system when a query touches them, and are shared by every process
that maps the same snapshot. The catalog's summaries are read from the file with pread
(catalog.Texts.read_from): a mapped page touched brings its cached neighbours into the process too, and
scattered hits would soon have every summary resident; the short columns (titles, names) are read through
the mapping. /author's people are columns too (people.py): loading makes no object per person. The file
is replaced whole (written beside, then renamed), never changed in
place: an index mapping the old file keeps reading it.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import pickle
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np
from sqlalchemy.engine import make_url

from store.db.engine import default_data_dir, in_memory, redact
from store.search import spill
from store.search.index import SearchIndex
from store.search.turns import let_others_in

log = logging.getLogger(__name__)

FORMAT = 10  # bump whenever SearchIndex's layout changes: old snapshots are then rebuilt (10: meaning vectors)
MAGIC = b"paperbot-index\n"
ALIGN = 64  # each array starts on a cache line
_REBUILT_ON_USE = ("_folded_titles", "_query_expander", "_last_why_terms")
_SIZES = struct.Struct("<QQ")  # header pickle, main pickle
# Bytes one call copies in the kernel: the event loop was caught late by 100-200 ms on a busy two-core machine
# while one call copied hundreds of MB (bench.stalls); between calls the build lets others in.
COPY_BYTES = 16 << 20


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


def save(index: SearchIndex, path: Path, version: str) -> None:
    """Write atomically: a crash mid-write leaves the previous snapshot, never half of one."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own: two saves in one process (a reload's rebuild and another Library on the same
        # database) would otherwise write into one file and rename it from under each other.
        name = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        with name.open("xb") as fh:  # created with the umask's mode, as the database beside it
            tmp = name
            _write_index(fh, index, version)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        log.warning("could not save the index snapshot %s: %s", path, exc)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _write_index(fh: BinaryIO, index: SearchIndex, version: str) -> None:
    state = {k: v for k, v in index.__dict__.items() if k not in _REBUILT_ON_USE}
    buffers: list[pickle.PickleBuffer] = []
    main = pickle.dumps(state, protocol=5, buffer_callback=buffers.append)
    views = [b.raw() for b in buffers]
    header = pickle.dumps((FORMAT, version, [v.nbytes for v in views]), protocol=5)
    fh.write(MAGIC)
    fh.write(_SIZES.pack(len(header), len(main)))
    fh.write(header)
    fh.write(main)
    at = len(MAGIC) + _SIZES.size + len(header) + len(main)
    for view in views:
        fh.write(b"\0" * _padded(at))
        at += _padded(at)
        _write(fh, view)
        at += view.nbytes


def _write(fh: BinaryIO, view: memoryview) -> None:
    """One array's bytes; an array a full build kept in a file (store/search/spill.py) is copied from it,
    not read into this process."""
    source = spill.where(np.frombuffer(view, dtype=np.uint8).ctypes.data, view.nbytes) if view.nbytes else None
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


def load(path: Path, version: str) -> SearchIndex | None:
    """The snapshot's index if it was built from this corpus version, else None."""
    try:
        fh = path.open("rb")  # kept open: the catalog's texts are read from it (catalog.Texts.read_from)
    except FileNotFoundError:
        return None
    try:
        index = _mapped(fh, version)
    except Exception as exc:  # a truncated or foreign file: rebuild, and say so
        log.warning("ignoring the index snapshot %s: %s", path, exc)
        index = None
    if index is None:
        fh.close()
    return index


def _mapped(fh: BinaryIO, version: str) -> SearchIndex | None:
    if fh.read(len(MAGIC)) != MAGIC:
        raise ValueError("not a paperbot index snapshot (or one of an older format)")
    header_size, main_size = _SIZES.unpack(fh.read(_SIZES.size))
    form, stamp, sizes = pickle.loads(fh.read(header_size))
    if (form, stamp) != (FORMAT, version):
        return None
    start = len(MAGIC) + _SIZES.size + header_size
    at = start + main_size
    spans = []
    for size in sizes:
        at += _padded(at)
        spans.append((at, size))
        at += size
    if (found := os.fstat(fh.fileno()).st_size) != at:
        raise ValueError(f"{found} bytes where the header says {at}")
    mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    whole = memoryview(mapped)
    state = pickle.loads(whole[start : start + main_size], buffers=[whole[a : a + n] for a, n in spans])
    index = SearchIndex.__new__(SearchIndex)
    index.__dict__.update(state)
    index.papers.read_from(fh, np.frombuffer(mapped, dtype=np.uint8))
    return index
