"""Read one corpus file from disk into text, turning every way a file can be bad into a Problem.

Binary files, other encodings, empty files, huge files, unreadable files and symlink loops are
reported with the file's name and a line (0: the whole file) and give no records; nothing raises.

The corpus folder is a boundary: anyone who can commit to a synced folder can plant a symlink to the
server's secrets, or a FIFO that hangs the reader. So every file is opened by `open_regular`, which
refuses what is not a regular file and, given the folder, what does not really lie inside it; the
refusal names the file and quotes nothing from it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from store.ingest.records import Problem
from store.ingest.text.limits import max_bytes

OUTSIDE = "a link to a file outside the corpus folder; not read"
LOOP = "a symlink loop; could not be read"
DANGLING = "a link to nothing (a dangling symlink); not read"
MOVED = "changed while it was opened; not read"
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))

# O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal must not become ours.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def open_regular(path: Path, source: str, inside: Path | None = None) -> BinaryIO | Problem:
    """`path` opened for binary reading, or the Problem saying why it was refused (naming `source`).

    A FIFO, device or socket is refused before it is opened; the descriptor is checked again once open,
    so one swapped in between is opened (without blocking, never as our terminal) but never read. With
    `inside` (the corpus folder, resolved) the file's real path must lie inside it, and the file opened
    must be the very file found there.
    """
    refusal = refused(path, inside)
    if isinstance(refusal, str):
        return Problem(source, 0, refusal)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        return Problem(source, 0, _failure(path, exc))
    try:
        info = os.fstat(fd)
        why = not_regular(info.st_mode) or _moved(info, refusal)
        if why:
            os.close(fd)
            return Problem(source, 0, why)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except OSError as exc:
        os.close(fd)
        return Problem(source, 0, f"could not be read: {exc.strerror or exc}")


def refused(path: Path, inside: Path | None = None) -> str | Path | None:
    """Why `path` is not to be opened; else its real path (None when `inside` is not given)."""
    try:
        why = not_regular(os.stat(path).st_mode)  # follows links: a loop or a dangling link raises
        if why or inside is None:
            return why
        real = Path(os.path.realpath(path, strict=True))
    except OSError as exc:
        return _failure(path, exc)
    return real if real.is_relative_to(inside) else OUTSIDE


def not_regular(mode: int) -> str | None:
    """Why a file of this mode is never read: only regular files are."""
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "a FIFO/device/socket")
    return f"not a regular file ({kind}); not read"


def outside_folder(problems: list[Problem]) -> bool:
    """Whether the file was refused as a link out of its folder (what was stored from it must go)."""
    return any(p.line == 0 and p.message == OUTSIDE for p in problems)


def _failure(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return LOOP
    if exc.errno == errno.ENOENT and path.is_symlink():
        return DANGLING
    if exc.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
        return not_regular(0) or ""
    return f"could not be read: {exc.strerror or exc}"


def _moved(opened: os.stat_result, real: Path | None) -> str | None:
    """MOVED when the file opened is not the one found at `real` (a link swapped in between)."""
    if real is None:
        return None
    try:
        found = os.stat(real, follow_symlinks=False)
    except OSError:
        return MOVED
    return None if (found.st_dev, found.st_ino) == (opened.st_dev, opened.st_ino) else MOVED


def read_limited(path: Path, source: str, inside: Path | None = None) -> bytes | Problem:
    """The file's bytes, or the reason they cannot be used."""
    limit = max_bytes(path.suffix)
    handle = open_regular(path, source, inside)
    if isinstance(handle, Problem):
        return handle
    try:
        with handle:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                return Problem(source, 0, f"file is {_size(size)}, over the {_size(limit)} limit; skipped")
            data = handle.read(limit + 1)
    except OSError as exc:
        return Problem(source, 0, f"could not be read: {exc.strerror or exc}")
    if len(data) > limit:
        return Problem(source, 0, f"file grew past the {_size(limit)} limit while read; skipped")
    if not data.strip():
        return Problem(source, 0, "empty file: nothing to read")
    return data


def decode(data: bytes, source: str) -> str | Problem:
    """UTF-8 text (a byte-order mark is allowed), or a Problem naming the line of the first bad byte."""
    nul = data.find(b"\x00")
    if nul >= 0:
        return Problem(source, data.count(b"\n", 0, nul) + 1, "binary file (contains NUL bytes); skipped")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return Problem(source, line, f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}); "
                                     "save the file as UTF-8")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n:,} bytes"
