"""`TermTable`: the index's vocabulary (term -> row of the BM25 matrices) without a Python object per term.

The bench corpus has over a million distinct terms at a million papers (most of them numbers in titles);
as a dict they are some 150 MB, and unpickling it holds the interpreter for half a second at start-up.
Here the terms are one UTF-8 column in id order, beside their 63-bit keys sorted: a look-up is a bisection
of the keys and a comparison of the term's bytes, and a snapshot maps all three arrays as they are.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping

import numpy as np

from store.search.texts import Texts


def _utf8(term: str) -> bytes:
    return term.encode("utf-8", "surrogatepass")


def _key(raw: bytes) -> int:
    """Two CRC-32s of the term's bytes as one key: a clash only costs a second comparison of bytes."""
    return zlib.crc32(raw) | (zlib.crc32(raw, 0x5BD1E995) & 0x7FFFFFFF) << 32


class TermTable(Mapping[str, int]):
    def __init__(self, terms: Texts, keys: np.ndarray, ids: np.ndarray) -> None:
        self.terms = terms  # term i is the term of id i
        self.keys = keys  # every term's key, sorted (int64)
        self.ids = ids  # the id of each sorted key

    @classmethod
    def numbered(cls, terms: list[str]) -> TermTable:
        """The table of `terms`, term i having id i (a layout's vocabulary in order: `Numbering.in_order`)."""
        keys = np.fromiter((_key(_utf8(t)) for t in terms), dtype=np.int64, count=len(terms))
        order = np.argsort(keys, kind="stable")
        return cls(Texts.of(terms), keys[order], order.astype(np.int32))

    def _find(self, raw: bytes, key: int, start: int) -> int | None:
        keys, n = self.keys, len(self.keys)
        j = start
        while j < n and int(keys[j]) == key:
            i = int(self.ids[j])
            if self.terms.raw(i) == raw:
                return i
            j += 1
        return None

    def get(self, term: str, default=None):  # type: ignore[no-untyped-def,override]
        raw = _utf8(term)
        key = _key(raw)
        found = self._find(raw, key, int(self.keys.searchsorted(np.int64(key))))
        return default if found is None else found

    def ids_of(self, terms: Iterable[str], missing: int = -1) -> np.ndarray:
        """The ids of many terms at once (`missing` for a term not in the table)."""
        raws = [_utf8(t) for t in terms]
        keys = np.fromiter(map(_key, raws), dtype=np.int64, count=len(raws))
        starts = self.keys.searchsorted(keys).tolist()
        found = [self._find(raw, key, j) for raw, key, j in zip(raws, keys.tolist(), starts, strict=True)]
        return np.fromiter((missing if i is None else i for i in found), dtype=np.int64, count=len(found))

    def __getitem__(self, term: str) -> int:
        found = self.get(term)
        if found is None:
            raise KeyError(term)
        return found

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self.get(term) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)


class Numbering(Mapping[str, int]):
    """Term -> id, each new term numbered on from the last: a layout's vocabulary as it grows.

    Held in `SHARDS` dicts chosen by the term's hash rather than one: a full build meets a million distinct
    terms at a million papers, and one dict of them doubles its table in a single C call that holds the
    interpreter lock (tens of milliseconds, and more in a process serving an index beside the build) while
    the event loop waits. Each shard doubles a sixty-fourth of that at a time.
    """

    SHARDS = 64

    def __init__(self) -> None:
        self._shards: list[dict[str, int]] = [{} for _ in range(self.SHARDS)]
        self._size = 0

    def number(self, term: str) -> int:
        """The term's id, a new one if it is new."""
        shard = self._shards[hash(term) & (self.SHARDS - 1)]
        found = shard.get(term)
        if found is None:
            found = shard[term] = self._size
            self._size += 1
        return found

    def __getitem__(self, term: str) -> int:
        return self._shards[hash(term) & (self.SHARDS - 1)][term]

    def find(self, term: str) -> int | None:
        """The term's id; None when it was never numbered (`get` without a KeyError raised for each miss)."""
        return self._shards[hash(term) & (self.SHARDS - 1)].get(term)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        return iter(self.in_order())

    def in_order(self) -> list[str]:
        """Every term, in id order."""
        terms: list[str] = [""] * self._size
        for shard in self._shards:
            for term, i in shard.items():
                terms[i] = term
        return terms

    def clear(self) -> None:
        """Emptied a shard at a time (each a small dict: no long C call)."""
        for shard in self._shards:
            shard.clear()
        self._size = 0
