"""A field's texts as term ids, at array speed: the inner loop of an index build.

Building an index over 100,000 summaries meets some ten million words. Cut and looked up one at a time
in Python (`store.text.tokenize.TermIds.of`), they took most of the build. Here a batch of texts is cut into
chunks on its UTF-8 bytes with numpy, each chunk of up to 16 bytes is its own exact key (its bytes, as
two 64-bit integers) in an open-addressing table of the chunks already met, and only new chunks and the
rare longer ones reach Python, to be analysed as `tokenize` always does. The result is the ids
`TermIds.of` gives, in the same order, with the same vocabulary; tests/search/test_layout.py checks that on
real and random text.

The chunks are `tokenize.chunks`'s, but for Unicode spaces, which stay inside a chunk here: the word
pattern that analyses a chunk never matches across a space, so the terms come out the same.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from store.search.terms import Numbering, TermTable
from store.search.texts import SLICE, drop
from store.search.turns import let_others_in
from store.text.tokenize import chunk_terms, chunks, drain

BATCH_CHARS = 1 << 20  # text per numpy pass: enough to amortise the calls, little enough for memory
FIRST_BATCH_CHARS = 1 << 14
KEY_BYTES = 16  # chunks up to this long are keyed by their bytes; longer ones (rare) go through a dict

# 1 for a byte that can be inside a chunk, 0 for one that cuts: ASCII as `chunks` cuts it; every byte
# of a multi-byte character belongs to a chunk.
_IN_CHUNK = bytes(int(b >= 0x80 or chunks(chr(b)) == [chr(b)]) for b in range(256))
_ALL = (1 << 64) - 1
# Masks keeping a chunk's own bytes of the two 8-byte words read at its start (index: its size, <= 17).
_LOW = np.array([_ALL if n >= 8 else (1 << 8 * n) - 1 for n in range(KEY_BYTES + 2)], dtype=np.uint64)
_HIGH = np.array([_ALL if n >= 16 else (1 << 8 * max(n - 8, 0)) - 1 for n in range(KEY_BYTES + 2)],
                 dtype=np.uint64)
_MIX = np.uint64(0x9E3779B97F4A7C15)


class _ChunkTable:
    """Chunks met so far, keyed by their bytes: open addressing with linear probing over numpy arrays.

    Slot i holds a key (`low[i]`, `high[i]`) and its chunk's terms: how many (`count[i]`), and `first[i]`, its
    term when it has one, where its terms start in the layout's `_terms` when it has several. A chunk's
    bytes are never NUL, so a zero low key marks a free slot, and zero-padding makes every chunk of up
    to 16 bytes a distinct key.
    """

    def __init__(self, bits: int = 16) -> None:
        self._bits = bits
        self.low = np.zeros(1 << bits, dtype=np.uint64)
        self.high = np.zeros(1 << bits, dtype=np.uint64)
        # int32: a chunk's first term is one of the build's distinct chunks' terms (far fewer than 2**31); a
        # million chunks' table is then 24 bytes a slot, not 32.
        self.first = np.zeros(1 << bits, dtype=np.int32)
        self.count = np.zeros(1 << bits, dtype=np.int32)
        self._used = 0

    def _slots(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        h = (low ^ (high >> np.uint64(7)) ^ (high << np.uint64(29))) * _MIX
        return (h >> np.uint64(64 - self._bits)).view(np.int64)

    def find(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """The slot of every key, -1 where the key is not in the table."""
        slot = self._slots(low, high)
        # Nearly every key sits in its first slot: one pass for all, then a probe loop for the rest.
        pending = np.flatnonzero((self.low[slot] != low) | (self.high[slot] != high))
        mask = (1 << self._bits) - 1
        while pending.size:
            at = slot[pending]
            free = self.low[at] == 0
            slot[pending[free]] = -1
            pending = pending[~free]
            at = (slot[pending] + 1) & mask
            slot[pending] = at
            pending = pending[(self.low[at] != low[pending]) | (self.high[at] != high[pending])]
        return slot

    def add(self, low: np.ndarray, high: np.ndarray, first: np.ndarray, count: np.ndarray) -> None:
        """Insert distinct keys that are not in the table yet."""
        if (self._used + low.size) * 2 > self.low.size:  # at most half full: probes stay short
            self._grow(self._used + low.size)
        self._used += low.size
        mask = (1 << self._bits) - 1
        pending = np.arange(low.size)
        slot = self._slots(low, high)
        while pending.size:
            free = self.low[slot] == 0
            # Of the keys aiming at one free slot, the first takes it; the others move on.
            _, first_claim = np.unique(slot[free], return_index=True)
            won = np.flatnonzero(free)[first_claim]
            at, key = slot[won], pending[won]
            self.low[at], self.high[at], self.first[at], self.count[at] = low[key], high[key], first[key], \
                count[key]
            left = np.ones(pending.size, dtype=bool)
            left[won] = False
            pending, slot = pending[left], (slot[left] + 1) & mask

    def _grow(self, needed: int) -> None:
        """Room for `needed` keys, those held put back a slice at a time (texts.SLICE): at a million papers
        the table holds half a million keys, and putting them back in one go is numpy calls that hold the
        interpreter lock for a tenth of a second, the event loop waiting meanwhile."""
        used = np.flatnonzero(self.low)
        old = self.low[used], self.high[used], self.first[used], self.count[used]
        bits = self._bits
        while (1 << bits) < needed * 2:
            bits += 1
        self.__init__(bits)  # type: ignore[misc]
        for at in range(0, used.size, SLICE):
            self.add(*(column[at : at + SLICE] for column in old))


class FieldLayout:
    """Lays out fields of text as term ids in one vocabulary (term -> id), which grows as terms are met."""

    def __init__(self) -> None:
        self.vocabulary = Numbering()
        self._table = _ChunkTable()
        self._long: dict[bytes, tuple[int, int]] = {}  # chunks over KEY_BYTES long -> (first, count) as the table's
        self._terms = array("i")  # the terms of every chunk of several terms met, a slice per chunk

    def term_table(self) -> TermTable:
        """The vocabulary as a `TermTable`; the layout is spent after. Its chunk tables go first (at a million
        papers a table of millions of slots, some hundreds of MB, beside the vocabulary as the table is made),
        then the vocabulary's terms, a slice at a time: freeing a million strings in one call (a list's or a
        dict's) holds the interpreter lock for tens of milliseconds."""
        self.release()
        terms = self.vocabulary.in_order()
        table = TermTable.numbered(terms)
        self.vocabulary.clear()  # the list holds the terms still: they are freed by `drop`
        drop(terms)
        return table

    def release(self) -> None:
        """The chunk tables freed: the layout lays nothing out after; its vocabulary stays."""
        self._table = _ChunkTable(bits=1)
        self._terms = array("i")
        drain(self._long)

    def lay_out(self, texts: Sequence[str | bytes]) -> tuple[np.ndarray, np.ndarray]:
        """(every text's term ids end to end as int32, the number of ids of each text as int64). Texts given as
        UTF-8 bytes (a full build's summaries, as the database stores them) are laid out as they are."""
        raws = [t if type(t) is bytes else t.encode("utf-8", "surrogatepass") for t in texts]  # type: ignore[union-attr]
        flats: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        ends = list(accumulate(map(len, raws)))
        start, batch = 0, FIRST_BATCH_CHARS
        while start < len(raws) or not flats:
            let_others_in()
            # Texts up to `batch` bytes past this batch's start, and at least one. The first batches are
            # small: what they teach the table (the common words) spares the next ones most of the slow path
            # through Python.
            stop = max(start + 1, bisect_left(ends, (ends[start - 1] if start else 0) + batch))
            stop = min(stop, len(raws))
            batch = min(batch * 2, BATCH_CHARS)
            flat, length = self._lay_out_batch(raws[start:stop])
            flats.append(flat)
            lengths.append(length)
            start = stop
        return np.concatenate(flats).astype(np.int32, copy=False), np.concatenate(lengths)

    def _lay_out_batch(self, raws: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
        # One space before, between and after the texts: no chunk crosses from one text to the next, and
        # the 16-byte reads at a chunk's start stay inside the buffer.
        sizes = list(map(len, raws))
        data = b" ".join([b"", *raws, b" " * KEY_BYTES])
        inside = np.frombuffer(data.translate(_IN_CHUNK), dtype=np.bool_)
        edges = np.flatnonzero(inside[1:] != inside[:-1]) + 1
        starts, stops = np.ascontiguousarray(edges[0::2]), np.ascontiguousarray(edges[1::2])
        size = np.minimum(stops - starts, KEY_BYTES + 1)
        # Every byte offset viewed as the start of a little-endian 64-bit word: a read per chunk, two for a chunk
        # longer than 8 bytes. Indexed, not `take`n: `take` copies the whole unaligned view (8 bytes per byte of
        # text) before it picks.
        words = np.ndarray((len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))
        low = words[starts] & _LOW[size]
        # The second word only where a chunk is longer than the first (most words are not): zero elsewhere.
        high = np.zeros_like(low)
        longer = np.flatnonzero(size > 8)
        high[longer] = words[starts[longer] + 8] & _HIGH[size[longer]]
        table = self._table
        slot = table.find(low, high)
        first, count = table.first[slot], table.count[slot]
        unknown = np.flatnonzero((slot < 0) | (size > KEY_BYTES))
        if unknown.size:
            first[unknown], count[unknown] = self._learn(data, starts[unknown], stops[unknown], low[unknown],
                                                         high[unknown]).T
        # Text i starts at byte 1 + the sizes of the texts before it, each plus its separating space.
        after = np.asarray(sizes, dtype=np.int64) + 1
        text_starts = np.cumsum(np.r_[1, after[:-1]])[: len(sizes)]
        return self._terms_of(first, count, np.searchsorted(starts, text_starts), len(data))

    def _learn(self, data: bytes, starts: np.ndarray, stops: np.ndarray, low: np.ndarray,
               high: np.ndarray) -> np.ndarray:
        """(first term, count) of chunks the table does not hold: new ones are analysed once and added."""
        seen: dict[bytes, int] = {}  # chunk -> its place in `distinct`
        distinct: list[bytes] = []
        which = array("q")  # each occurrence's place in `distinct`
        for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            raw = data[start:stop]
            place = seen.get(raw)
            if place is None:
                place = seen[raw] = len(distinct)
                distinct.append(raw)
            which.append(place)
        entries = [self._long.get(raw, (-1, -1)) for raw in distinct]  # long chunks met before
        new = [i for i, e in enumerate(entries) if e[1] < 0]
        number, terms = self.vocabulary.number, self._terms
        analysed = chunk_terms([distinct[i].decode("utf-8", "surrogatepass") for i in new])
        for i, chunk_terms_ in zip(new, analysed, strict=True):
            if len(chunk_terms_) == 1:
                entries[i] = (number(chunk_terms_[0]), 1)
            else:
                entries[i] = (len(terms), len(chunk_terms_))
                terms.extend(map(number, chunk_terms_))
            if len(distinct[i]) > KEY_BYTES:
                self._long[distinct[i]] = entries[i]
        found = np.array(entries, dtype=np.int64).reshape(-1, 2)[np.frombuffer(which, dtype=np.int64)]
        # The new short chunks join the table at their first occurrence's key.
        first_seen = np.unique(np.frombuffer(which, dtype=np.int64), return_index=True)[1]
        short = np.array([i for i in new if len(distinct[i]) <= KEY_BYTES], dtype=np.int64)
        if short.size:
            at = first_seen[short]
            self._table.add(low[at], high[at], found[at, 0], found[at, 1])
        return found

    def _terms_of(self, first: np.ndarray, count: np.ndarray, text_chunks: np.ndarray, size: int
                  ) -> tuple[np.ndarray, np.ndarray]:
        """The chunks' terms end to end, and how many belong to each text (`text_chunks`: each text's first chunk;
        `size`: the batch's bytes, more than its terms)."""
        ends = np.cumsum(count, dtype=np.int32 if size < 1 << 31 else np.int64)
        total = int(ends[-1]) if ends.size else 0
        # Nearly every chunk is a stop word (no term) or one term, its own `first`: the terms are those of the
        # chunks that have any, in order (a compress: a quarter of a repeat's time). The few chunks of several
        # terms (hyphenated words) hold where their terms start among `_terms`: their first term is put in its
        # place, the others inserted after it.
        out = np.compress(count > 0, first)
        several = np.flatnonzero(count > 1)
        if several.size:
            terms = np.frombuffer(self._terms, dtype=np.int32)
            counts, places = count[several].astype(np.int64), first[several].astype(np.int64)
            extra = counts - 1
            before = np.cumsum(extra) - extra  # the terms inserted for the chunks of several before each
            at = ends[several] - counts - before  # each one's first term in `out`
            out[at] = terms[places]
            rest = np.repeat(places - before, extra) + np.arange(1, int(extra.sum()) + 1)
            out = np.insert(out, np.repeat(at + 1, extra), terms[rest])
        cumulative = np.r_[0, ends]
        return out, np.diff(np.r_[cumulative[text_chunks], total]).astype(np.int64, copy=False)
