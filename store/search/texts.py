"""`Texts`: a column of strings as one UTF-8 blob and the offsets where each string ends.

A million titles are two arrays rather than a million objects; a snapshot maps the arrays as they are
(store/search/snapshot.py), and a column can be read from a file with pread instead of through the mapping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from itertools import accumulate, pairwise
from operator import methodcaller
from typing import BinaryIO

import numpy as np

from store.search.spill import mapped, release
from store.search.turns import let_others_in

_SPAN = 4096  # strings decoded at once when a column is read whole


def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


_ENCODE = methodcaller("encode", "utf-8", "surrogatepass")
SLICE = 1 << 16  # items one C call takes at a time, so that no call holds the interpreter lock long


def repeat(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """`np.repeat(values, counts)` a slice of SLICE values at a time: one repeat over a million counts is a
    C loop holding the interpreter lock for a tenth of a second or more, and the event loop would wait."""
    if len(counts) <= SLICE:
        return np.repeat(values, counts)
    return np.concatenate([np.repeat(values[a : a + SLICE], counts[a : a + SLICE])
                           for a in range(0, len(counts), SLICE)])


def drop(items: list) -> None:  # type: ignore[type-arg]
    """Empty a large list a slice at a time: freeing a million strings or tuples in one `del` is one C call
    holding the interpreter lock for tens of ms (more on a busy machine); a loop lets other threads in."""
    while items:
        del items[-SLICE:]


def utf8_column(strings: Sequence[str] | Sequence[bytes]) -> tuple[bytes, np.ndarray]:
    """The strings' UTF-8 end to end, and where each one ends, in C loops rather than a Python step per
    string: all ASCII (most batches of titles), a byte a character; else each string encoded by a C map.
    Strings given as their UTF-8 bytes already (all of them, or none) are joined as they are.
    A slice of SLICE strings at a time: a C loop over a million strings would hold the interpreter lock
    for a tenth of a second, and the event loop would wait."""
    parts: list[bytes] = []
    ends: list[np.ndarray] = []
    at = 0
    for start in range(0, len(strings), SLICE):
        some = strings[start : start + SLICE]
        if type(some[0]) is bytes:  # UTF-8 already (a full build's summaries, read from SQLite as they are stored)
            raw = b"".join(some)  # type: ignore[arg-type]
            sizes = map(len, some)
        else:
            joined = "".join(some)
            raw = utf8(joined)
            # Each string's bytes made, measured and freed one at a time (not a list of them: the heap's small
            # blocks would be spread over many pages, some kept after).
            sizes = map(len, some) if len(raw) == len(joined) else map(len, map(_ENCODE, some))
        parts.append(raw)
        ends.append(np.fromiter(accumulate(sizes, initial=at), dtype=np.int64, count=len(some) + 1)[1:])
        at += len(raw)
    raw = parts[0] if len(parts) == 1 else b"".join(parts)
    return raw, np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)


class Texts(Sequence[str]):
    """A column of strings: one UTF-8 blob and where each string ends (`ends[i]`: `ends[0]` is 0)."""

    def __init__(self, data: np.ndarray, ends: np.ndarray) -> None:
        self.data, self.ends = data, ends
        self._file: BinaryIO | None = None  # when set, the bytes are read from it at `_offset`, not from `data`
        self._offset = 0
        self._view = memoryview(data) if data.ndim == 1 and data.flags.c_contiguous else None  # slices cheaply

    def __getstate__(self) -> dict[str, np.ndarray]:
        return {"data": self.data, "ends": self.ends}

    def __setstate__(self, state: dict[str, np.ndarray]) -> None:
        self.__init__(state["data"], state["ends"])  # type: ignore[misc]

    def read_from(self, file: BinaryIO, offset: int) -> None:
        """Read the bytes from `file` (where `data` is mapped from, at `offset`) rather than through the
        mapping: a hit's text is then copied from the page cache, and the pages around it are not mapped
        into the process (the kernel maps a mapped file's cached neighbours on every touch)."""
        self._file, self._offset = file, offset

    @classmethod
    def spilled(cls, file: BinaryIO, ends: np.ndarray) -> Texts:
        """Texts whose bytes are the whole of `file`: mapped (for a snapshot to copy) but read with pread."""
        texts = cls(mapped(file, np.uint8), ends)
        texts.read_from(file, 0)
        return texts

    def _bytes(self, start: int, stop: int) -> bytes:
        if self._file is None:
            if self._view is not None:
                return self._view[start:stop].tobytes()
            return self.data[start:stop].tobytes()
        return os.pread(self._file.fileno(), int(stop - start), self._offset + int(start))

    @classmethod
    def of(cls, strings: Sequence[str]) -> Texts:
        blob, ends = utf8_column(strings)
        ends = np.concatenate([np.zeros(1, dtype=np.int64), ends])
        return cls(np.frombuffer(blob, dtype=np.uint8), ends)

    @classmethod
    def joined(cls, parts: Sequence[Texts]) -> Texts:
        if not parts:
            return cls.of([])
        starts = np.cumsum([0] + [int(p.ends[-1]) for p in parts[:-1]])
        ends = np.concatenate([[0]] + [p.ends[1:] + s for p, s in zip(parts, starts, strict=True)])
        return cls(np.concatenate([p.data[: p.ends[-1]] for p in parts]), ends.astype(np.int64))

    def __len__(self) -> int:
        return len(self.ends) - 1

    def raw(self, i: int) -> bytes:
        return self._bytes(int(self.ends[i]), int(self.ends[i + 1]))

    def raws(self, positions: Sequence[int]) -> list[bytes]:
        """The bytes of the strings at `positions` (a few: /paper's re-rank candidates)."""
        at = np.asarray(positions, dtype=np.int64)
        starts, stops = self.ends[at].tolist(), self.ends[at + 1].tolist()
        return list(map(self._bytes, starts, stops))

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        if isinstance(i, slice):
            return self.span(*i.indices(len(self))[:2]) if i.step in (None, 1) else [self[j] for j in
                                                                                   range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return self.raw(i).decode("utf-8", "surrogatepass")

    def span(self, start: int, stop: int) -> list[str]:
        """Strings start..stop-1, read at once: decoded in one call when they are ASCII (then cut by their
        byte offsets), else cut as bytes and decoded one by one."""
        if stop <= start:
            return []
        ends = self.ends[start : stop + 1]
        raw = self._bytes(ends[0], ends[-1])
        cuts = (ends - ends[0]).tolist()
        if raw.isascii():
            text = raw.decode("ascii")
            return [text[a:b] for a, b in pairwise(cuts)]
        return [raw[a:b].decode("utf-8", "surrogatepass") for a, b in pairwise(cuts)]

    def __iter__(self) -> Iterator[str]:
        for start in range(0, len(self), _SPAN):
            let_others_in()  # a column read whole is a build's: see store.search.turns
            yield from self.span(start, min(start + _SPAN, len(self)))


_STEP = 7  # bytes compared a round: seven bytes and how many of them the string has fill a uint64
_SHIFTS = np.arange(8 * _STEP, 0, -8, dtype=np.uint64)  # each byte's place, the first the most significant


def sorted_order(texts: Texts) -> np.ndarray:
    """`sorted(range(len(texts)), key=texts.__getitem__)` as an array, in numpy calls that let go of the
    interpreter lock: a list sort of a million strings is one C call holding it for a second.

    UTF-8 bytes sort as their code points do (surrogates too), so strings compare as their bytes. Each round
    sorts the strings still tied, within their group of equals so far, by their next seven bytes (zeros past
    the end) and how many of them there are: a string that ends sorts before any it begins. Sorts are stable,
    so equal strings keep their order, as `sorted` keeps it."""
    n = len(texts)
    ends = np.asarray(texts.ends, dtype=np.int64)
    data = np.asarray(texts.data)
    # Positions as int32 (a column holds far fewer than 2**31 strings): at a million titles the sort's
    # arrays are then half the memory, and a full build's peak is during this sort.
    position = np.int32 if n < 1 << 31 else np.int64
    perm = np.arange(n, dtype=position)
    group = np.zeros(n, dtype=position)  # the first slot of each slot's group of strings equal so far
    slots = np.arange(n, dtype=position)  # the slots still tied with a neighbour, whole groups of them
    offset = 0
    while slots.size > 1:
        items = perm[slots]
        start = ends[items] + offset
        have = np.clip(ends[items + 1] - start, 0, _STEP)
        key = have.astype(np.uint64)
        # A slice of the strings at a time, the spilled column's pages read let go after each (spill.release):
        # the first round reads every string, and the whole column would else be resident at once.
        for a in range(0, slots.size, SLICE):
            cut = slice(a, a + SLICE)
            for j in range(_STEP):
                byte = data[np.minimum(start[cut] + j, max(data.size - 1, 0))].astype(np.uint64) if data.size else 0
                key[cut] |= np.where(have[cut] > j, byte, 0).astype(np.uint64) << _SHIFTS[j]
            release(texts.data)
        by = np.lexsort((key, group[slots]))
        perm[slots] = items[by]
        key, have, tied = key[by], have[by], group[slots]
        new = np.ones(slots.size, dtype=bool)
        new[1:] = (tied[1:] != tied[:-1]) | (key[1:] != key[:-1])
        group[slots] = np.maximum.accumulate(np.where(new, slots, 0))
        # Still tied: groups of two or more whose strings go on past these seven bytes.
        run = np.cumsum(new) - 1
        more = (np.bincount(run)[run] > 1) & (have == _STEP)
        slots = slots[more]
        offset += _STEP
    release(texts.data)  # a spilled column's pages read here leave the process (spill.release)
    return perm.astype(np.int64, copy=False)

