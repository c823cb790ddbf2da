"""Read one corpus file from disk into text, turning every way a file can be bad into a Problem.

Binary files, other encodings, empty files, huge files, unreadable files and symlink loops are
reported with the file's name and a line (0: the whole file) and give no records; nothing raises.
"""

from __future__ import annotations

import stat
from pathlib import Path

from store.ingest.detect import parse_text
from store.ingest.limits import max_bytes
from store.records import Parsed, Problem


def parse_file(path: Path, source: str) -> Parsed:
    """Parse the file at `path`; `source` is its name relative to the corpus folder."""
    data = read_limited(path, source)
    if isinstance(data, Problem):
        return Parsed([], [data])
    text = decode(data, source)
    if isinstance(text, Problem):
        return Parsed([], [text])
    return parse_text(text, source, path.suffix.lower())


def read_limited(path: Path, source: str) -> bytes | Problem:
    """The file's bytes, or the reason they cannot be used."""
    limit = max_bytes(path.suffix)
    try:
        info = path.stat()  # follows symlinks; a loop raises OSError (ELOOP)
        if not stat.S_ISREG(info.st_mode):
            return Problem(source, 0, "not a regular file; skipped")
        if info.st_size > limit:
            return Problem(source, 0, f"file is {_size(info.st_size)}, over the {_size(limit)} limit; skipped")
        with path.open("rb") as handle:
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
