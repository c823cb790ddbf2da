"""Arrays a full build writes to temporary files instead of holding them, and where a snapshot finds their bytes.

A rebuild runs beside the index still answering queries; if the new index's texts and matrices were in
memory, the process would hold two indexes at once. A spilled array is written with write() (so its pages
are the page cache's, not the process's), then mapped read-only; the snapshot copies its bytes from the
file (`where`) instead of reading them through the mapping, which would make every page resident.
"""

from __future__ import annotations

import mmap
import os
import secrets
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import BinaryIO

import numpy as np

_MAPPED: dict[int, tuple[int, int, BinaryIO]] = {}  # id of a mapped array -> (address, bytes, its file)
_FOLDER: ContextVar[Path | None] = ContextVar("spill_folder", default=None)


@contextmanager
def named_in(folder: Path | None) -> Iterator[None]:
    """Spills made in this context (its threads started by `asyncio.to_thread` included) are named files of
    `folder`; None: unnamed ones."""
    token = _FOLDER.set(folder)
    try:
        yield
    finally:
        _FOLDER.reset(token)


def folder() -> Path | None:
    """The folder spills are named in here, if any."""
    return _FOLDER.get()


def temporary() -> BinaryIO:
    folder = _FOLDER.get()
    if folder is None:
        return tempfile.TemporaryFile()
    # The umask's mode, not mkstemp's private one: a snapshot's parts are read by whoever reads the database.
    return open(folder / f"spill-{secrets.token_hex(8)}", "x+b")


def adopted(path: str, dtype: type) -> np.ndarray:
    """A file another process wrote (a layout process's matrix), mapped here: moved into the spill folder when
    there is one, else its name removed (the mapping keeps the file until the array goes)."""
    folder = _FOLDER.get()
    if folder is not None:
        moved = str(folder / f"adopted-{secrets.token_hex(8)}")
        try:
            os.replace(path, moved)
            path = moved
        except OSError:  # another file system: a snapshot copies it
            folder = None
    file = open(path, "rb")  # noqa: SIM115 (kept open by the registry below)
    if folder is None:
        os.unlink(path)
    return mapped(file, dtype)


def mapped(file: BinaryIO, dtype: type) -> np.ndarray:
    """The whole of `file` (written, and no longer written to) as a read-only array."""
    file.flush()
    size = file.seek(0, 2)
    if not size:
        return np.zeros(0, dtype=dtype)
    array = np.frombuffer(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ), dtype=dtype)
    key = id(array)
    _MAPPED[key] = (array.ctypes.data, array.nbytes, file)
    weakref.finalize(array, _MAPPED.pop, key, None)
    return array


def release(array: np.ndarray) -> bool:
    """Unmap from this process the pages of a spilled array that were read through the mapping (madvise
    MADV_DONTNEED): they stay in the page cache, and a later read maps them again; False for any other array.
    A full build reads some columns whole once (the titles, to sort them): their pages would else stay
    resident beside the index still answering, until the new index is swapped in."""
    base = array.base.obj if isinstance(array.base, memoryview) else array.base
    if not isinstance(base, mmap.mmap) or id(array) not in _MAPPED or not hasattr(mmap, "MADV_DONTNEED"):
        return False
    base.madvise(mmap.MADV_DONTNEED)
    return True


def where(address: int, size: int) -> tuple[BinaryIO, int] | None:
    """(file, offset) of `size` bytes at `address` when they lie in a spilled array."""
    for start, length, file in list(_MAPPED.values()):
        if start <= address and address + size <= start + length:
            return file, address - start
    return None
