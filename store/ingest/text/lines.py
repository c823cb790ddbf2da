"""A large text file read a block at a time: fingerprinted, checked and split into numbered lines.

A bulk import may be 512 MiB; read whole, decoded and split, it would sit in memory several times over.
Read here, memory is one block and one line whatever the file's size, and the file is judged by the
same rules as a file read whole (`store.ingest.text.files`): NUL bytes, text that is not UTF-8 (a byte-order
mark allowed), a blank file, a file over its size limit, each reported with the file's name and a line;
line ends as Python reads text (\\r\\n, \\r, \\n); a line over `MAX_LINE_CHARS` measured but not kept.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
from collections.abc import Iterable, Iterator
from typing import BinaryIO, NamedTuple, NoReturn

from store.ingest.records import Problem
from store.ingest.text.files import _size

BLOCK = 1 << 20


class Line(NamedTuple):
    number: int  # 1-based
    text: str  # "" when the line is longer than the reader keeps
    length: int  # in characters, also of a line not kept


class Unreadable(Exception):
    """The file cannot be used after all (`problem` says why): what was read of it is not to be kept."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class TextBlocks:
    """The file's text a block at a time; afterwards `sha256` of the bytes read. When the file cannot be
    used, `problem` says why, and iterating raises `Unreadable` (the line being read is incomplete)."""

    def __init__(self, handle: BinaryIO, source: str, limit: int) -> None:
        self.handle, self.source, self.limit = handle, source, limit
        self.sha256 = ""
        self.problem: Problem | None = None

    def __iter__(self) -> Iterator[str]:
        """The text from the file's start, a block at a time."""
        try:
            yield from self._texts()
        except OSError as exc:  # a disk error, a file on a network share gone
            self._fail(Problem(self.source, 0, f"could not be read: {exc.strerror or exc}"))

    def _texts(self) -> Iterator[str]:
        self.handle.seek(0)
        size = os.fstat(self.handle.fileno()).st_size
        if size > self.limit:
            self._fail(Problem(self.source, 0, f"file is {_size(size)}, over the {_size(self.limit)} limit; skipped"))
        digest, decoder = hashlib.sha256(), codecs.getincrementaldecoder("utf-8-sig")()
        total = newlines = 0
        blank = True
        undecodable: Problem | None = None  # reported unless a NUL byte further on makes the file binary
        while block := self.handle.read(BLOCK):
            total += len(block)
            if total > self.limit:
                self._fail(Problem(self.source, 0, f"file grew past the {_size(self.limit)} limit while read; skipped"))
            digest.update(block)
            if (nul := block.find(b"\x00")) >= 0:
                line = newlines + block.count(b"\n", 0, nul) + 1
                self._fail(Problem(self.source, line, "binary file (contains NUL bytes); skipped"))
            blank = blank and not block.strip()
            if undecodable is None:
                try:
                    text = decoder.decode(block)
                except UnicodeDecodeError as exc:
                    undecodable = self._undecodable(exc, newlines)
                else:
                    yield text
            newlines += block.count(b"\n")
        if undecodable is None:
            try:
                decoder.decode(b"", final=True)
                decoder.getstate()[0].decode()  # a partial byte-order mark at the end is kept back, not refused
            except UnicodeDecodeError as exc:
                undecodable = self._undecodable(exc, newlines)
        self.sha256 = digest.hexdigest()
        if undecodable is not None or blank:
            self._fail(undecodable or Problem(self.source, 0, "empty file: nothing to read"))

    def _fail(self, problem: Problem) -> NoReturn:
        self.problem = problem
        raise Unreadable(problem)

    def _undecodable(self, exc: UnicodeDecodeError, newlines: int) -> Problem:
        """The problem for the first byte that is not UTF-8; `newlines`: line ends in the blocks before."""
        line = newlines + exc.object.count(b"\n", 0, exc.start) + 1  # a partial character holds no "\n"
        return Problem(self.source, line, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} on line {line}); "
                                          "save the file as UTF-8")

    def check(self) -> Problem | None:
        """Read the whole file for its fingerprint and problem, keeping nothing."""
        with contextlib.suppress(Unreadable):
            for _ in self:
                pass
        return self.problem


def numbered_lines(texts: Iterable[str], max_chars: int) -> Iterator[Line]:
    """The lines of text given in pieces, as `str.split("\\n")` numbers them after line ends are made
    "\\n"; a leading byte-order mark dropped. A line longer than `max_chars` is measured, not kept."""
    number = length = 0
    kept: list[str] | None = []  # the current line's pieces; None once it is too long to keep
    first, after_cr = True, False
    for text in texts:
        if not text:  # a decoder holding a partial character gives nothing: it ends no "\r"
            continue
        if first:
            text, first = text.removeprefix("\ufeff"), False
        if after_cr and text.startswith("\n"):  # "\r\n" split between two pieces
            text = text[1:]
        after_cr = text.endswith("\r")
        *ended, rest = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for piece in ended:
            number += 1
            yield _line(number, kept, length, piece, max_chars)
            kept, length = [], 0
        length += len(rest)
        if kept is not None and length <= max_chars:
            kept.append(rest)
        else:
            kept = None
    yield _line(number + 1, kept, length, "", max_chars)


def _line(number: int, kept: list[str] | None, length: int, last: str, max_chars: int) -> Line:
    length += len(last)
    if kept is None or length > max_chars:
        return Line(number, "", length)
    return Line(number, "".join(kept) + last if kept else last, length)
