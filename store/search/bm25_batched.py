"""BM25F matrices built from documents given a batch at a time, in memory bounded by the result.

`BM25Matrix.from_fields` takes every term occurrence of the corpus at once and turns it into a sparse matrix;
at a million papers its arrays of occurrences, their weights and the matrix in the making are several times
the matrix itself, beside the index still answering queries. Here the occurrences of each batch go to a
temporary file; once every batch is in (the mean field lengths are then known), each batch is summed into
its (term, document) frequencies exactly as `from_fields` sums them (same order of additions, so the
same floats), once: its sums are spilled (12 bytes an entry) while each term's documents are counted (its
idf); the batches' entries are then merged a range of terms at a time, weighed (entry by entry, so the same
floats as weighing them batch by batch) and written to the matrix's own files, which are mapped
(store/search/spill.py): the process never holds more than a batch or a range, and the snapshot copies the
matrix from those files.
The matrices equal `from_fields`'s bit for bit (tests/search/test_bm25_batched.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import BinaryIO

import numpy as np
from scipy import sparse

from store.search import heap, spill
from store.search.bm25 import EPSILON, K1, B, BM25Matrix, idf_weights
from store.search.turns import let_others_in

RANGE_ENTRIES = 1 << 20  # matrix entries merged at a time (some 50 MB of work arrays)
# Terms a range spans at most: its entries are put in term order by a radix sort of their terms as 16-bit
# offsets from its first (numpy's stable sort of 16-bit keys), three times as fast as sorting 32-bit ids.
RANGE_TERMS = 1 << 16


def _write(fh: BinaryIO, *arrays: np.ndarray) -> None:
    for a in arrays:
        fh.write(memoryview(np.ascontiguousarray(a)).cast("B"))


def _read(fh: BinaryIO, dtype: type, count: int) -> np.ndarray:
    return np.frombuffer(fh.read(count * np.dtype(dtype).itemsize), dtype=dtype)


class Spilled:
    """One batch's summed entries in a spill file, term by term: the distinct terms and where each one's
    entries end (`ends`, int32 each), then the entries' documents (int32) and sums (float64). `fh`: the file
    (a full build split over processes reads the others' too)."""

    def __init__(self, fh: BinaryIO, at: int, n_terms: int, nnz: int) -> None:
        self.fh, self.at, self.n_terms, self.nnz = fh, at, n_terms, nnz

    def cuts(self, bounds: np.ndarray) -> tuple[list[int], list[int]]:
        """Where each range of terms (`bounds`: term ids) starts among this batch's terms and entries."""
        terms = _pread(self.fh, np.int32, self.at, self.n_terms)
        ends = np.r_[0, _pread(self.fh, np.int32, self.at + 4 * self.n_terms, self.n_terms)]
        at = np.searchsorted(terms, bounds)
        return at.tolist(), ends[at].tolist()

    def entries(self, t: tuple[int, int], e: tuple[int, int]) -> tuple[np.ndarray, ...]:
        """(term, document, sum) of the entries e[0]..e[1]-1, whose terms are t[0]..t[1]-1 of the batch's."""
        fh, nt, ne = self.fh, t[1] - t[0], e[1] - e[0]
        terms = _pread(fh, np.int32, self.at + 4 * t[0], nt)
        ends = _pread(fh, np.int32, self.at + 4 * (self.n_terms + t[0]), nt)
        counts = np.diff(ends, prepend=e[0])
        base = self.at + 8 * self.n_terms
        return (np.repeat(terms, counts), _pread(fh, np.int32, base + 4 * e[0], ne),
                _pread(fh, np.float64, base + 4 * self.nnz + 8 * e[0], ne))


def _by_terms(batches: Sequence[Spilled], indptr: np.ndarray, lo: int, hi: int) -> Iterator[tuple[np.ndarray, ...]]:
    """Every batch's entries (term, document, sum) of the terms lo..hi-1 merged term by term, a range of terms
    at a time: each batch's entries of the range follow the earlier batches', so a term's documents stay in
    order (`batches` in document order)."""
    starts = np.arange(int(indptr[lo]), int(indptr[hi]), RANGE_ENTRIES)
    bounds = np.searchsorted(indptr, starts, side="right") - 1
    # Term ids where a range starts, and the end: a range of at most RANGE_ENTRIES entries (but for a term of
    # more) and RANGE_TERMS terms.
    bounds = np.unique(np.r_[lo, np.clip(bounds, lo, hi), np.arange(lo, hi, RANGE_TERMS), hi])
    cuts = [batch.cuts(bounds) for batch in batches]  # where each range starts in each batch
    for k in range(len(bounds) - 1):
        parts = []
        for batch, (t, e) in zip(batches, cuts, strict=True):
            if e[k + 1] > e[k]:
                let_others_in()  # a pread each: see store.search.turns
                parts.append(batch.entries((t[k], t[k + 1]), (e[k], e[k + 1])))
        if parts:
            rows, docs, data = (np.concatenate(p) for p in zip(*parts, strict=True))
            order = np.argsort((rows - bounds[k]).astype(np.uint16), kind="stable")  # the same order as the ids'
            yield rows[order], docs[order], data[order]


def _pread(fh: BinaryIO, dtype: type, offset: int, count: int) -> np.ndarray:
    size = np.dtype(dtype).itemsize
    return np.frombuffer(os.pread(fh.fileno(), count * size, offset), dtype=dtype)


def scales(lengths: np.ndarray, weights: Sequence[float], b: float = B) -> tuple[np.ndarray, np.ndarray]:
    """(each field's mean length, each (document, field)'s weight over its length norm) of the chosen fields'
    `lengths` (every document's)."""
    avgdl = lengths.mean(axis=0)
    avgdl[avgdl == 0] = 1.0
    return avgdl, np.asarray(weights, dtype=np.float64) / (1 - b + b * lengths / avgdl)


def rows_of(df: np.ndarray, n_docs: int, epsilon: float = EPSILON) -> tuple[np.ndarray, np.ndarray]:
    """(each term's idf, where each term's row starts in the matrix and where the last ends), from how many of
    the `n_docs` documents hold each term."""
    return idf_weights(df.astype(np.float64), n_docs, epsilon), np.concatenate([[0], np.cumsum(df)]).astype(np.int64)


def merge_range(batches: Sequence[Spilled], idf: np.ndarray, indptr: np.ndarray, lo: int, hi: int,
                indices: BinaryIO, weighted: BinaryIO, k1: float = K1) -> None:
    """The matrix's entries of the terms lo..hi-1, weighed, written at the files' positions (`indptr[lo]`)."""
    for fh, size in ((indices, 4), (weighted, 4)):
        fh.seek(size * int(indptr[lo]))
    for rows, docs, data in _by_terms(batches, indptr, lo, hi):
        _write(indices, docs)
        # Entry by entry as the whole corpus's build weighs its frequencies: the same floats.
        _write(weighted, (idf[rows] * data * (k1 + 1) / (data + k1)).astype(np.float32))


class BatchedFields:
    """Every document's fields as term ids, added a batch of documents at a time (`add`), then made into
    BM25F matrices over chosen fields (`matrix`; or `spill_sums` and `merge_range`, a build split over processes)."""

    def __init__(self, n_fields: int) -> None:
        self.n_fields = n_fields
        self._ids = spill.temporary()  # closed by `close`
        self._lengths: list[np.ndarray] = []

    def add(self, flat: np.ndarray, lengths: np.ndarray) -> None:
        """`flat`: the batch's term ids, document after document, field after field; `lengths[d, f]`."""
        _write(self._ids, flat.astype(np.int32, copy=False))
        # int32: a field's length is far below 2**31, and a million papers' lengths are then 16 MB, not 32
        self._lengths.append(np.asarray(lengths, dtype=np.int32).reshape(-1, self.n_fields))

    @property
    def lengths(self) -> np.ndarray:
        return np.concatenate(self._lengths) if self._lengths else np.zeros((0, self.n_fields), dtype=np.int32)

    @property
    def batch_sizes(self) -> list[int]:
        return [len(batch) for batch in self._lengths]

    @property
    def batch_lengths(self) -> list[np.ndarray]:
        """Each batch's field lengths, a row per document."""
        return list(self._lengths)

    def matrix(self, fields: Sequence[int], weights: Sequence[float], vocabulary: Mapping[str, int],
               k1: float = K1, b: float = B, epsilon: float = EPSILON) -> BM25Matrix:
        """`BM25Matrix.from_fields` over these fields of every document (`weights`: one per field), built in this
        process (layout_split.py: by the layout processes)."""
        lengths = self.lengths[:, list(fields)]
        n_docs, n_terms = len(lengths), max(len(vocabulary), 1)
        if n_docs == 0 or not lengths.any():
            return BM25Matrix(sparse.csr_matrix((n_terms, n_docs), dtype=np.float32), vocabulary, n_docs)
        avgdl, scale = scales(lengths, weights, b)
        firsts = np.cumsum([0, *self.batch_sizes])[:-1].tolist()
        # One pass over the batches: each batch's sums are spilled as they are (12 bytes an entry) while each
        # term's documents are counted (its idf); the sums are weighed as the batches' entries are merged.
        with spill.temporary() as spilled:
            df, batches = self.spill_sums(fields, scale, n_terms, firsts, spilled)
            idf, indptr = rows_of(df, n_docs, epsilon)
            indices_file, weights_file = spill.temporary(), spill.temporary()
            merge_range(batches, idf, indptr, 0, n_terms, indices_file, weights_file, k1)
            indices, weighted = spill.mapped(indices_file, np.int32), spill.mapped(weights_file, np.float32)
        matrix = BM25Matrix(sparse.csr_matrix((weighted, indices, indptr), shape=(n_terms, n_docs)), vocabulary,
                            n_docs, idf.astype(np.float32))
        matrix.avgdl = avgdl
        return matrix

    def spill_sums(self, fields: Sequence[int], scale: np.ndarray, n_terms: int, firsts: Sequence[int],
                   spilled: BinaryIO, remap: np.ndarray | None = None) -> tuple[np.ndarray, list[Spilled]]:
        """Each batch's sums written to `spilled` (`firsts`: each batch's first document among all; `scale`:
        every document's, `remap`: each term id added -> its id in the vocabulary, when they differ), and the
        number of these batches' documents holding each term."""
        df = np.zeros(n_terms, dtype=np.int64)
        batches, at = [], spilled.seek(0, 2)
        for k, (first, terms, total) in enumerate(self._sums(fields, scale, n_terms, firsts, remap)):
            counts = np.diff(total.indptr)
            df[terms] += counts
            _write(spilled, terms.astype(np.int32), np.cumsum(counts).astype(np.int32),
                   total.indices.astype(np.int32) + first, total.data.astype(np.float64))
            batches.append(Spilled(spilled, at, len(terms), total.nnz))
            at += 8 * len(terms) + 12 * total.nnz
            del total
            heap.between_batches(k)
        heap.give_back()
        spilled.flush()
        return df, batches

    def _sums(self, fields: Sequence[int], scale: np.ndarray, n_terms: int, firsts: Sequence[int],
              remap: np.ndarray | None) -> Iterator[tuple[int, np.ndarray, sparse.csr_matrix]]:
        """Each batch's (first document, its terms (ascending), their (term, document) sums of the fields' scaled
        occurrences, a row per term of the batch), summed as `BM25Matrix.from_fields` sums them: each row holds
        its entries in the same order, so the same additions and the same floats. Rows for the batch's own terms
        only: a row per term of the vocabulary (a million at a million papers) made every batch's matrix cost
        several passes over the whole vocabulary."""
        self._ids.seek(0)
        seen = np.zeros(n_terms, dtype=bool)  # the batch's terms, while the batch is summed
        local = np.zeros(n_terms, dtype=np.int32)  # a term's row in the batch's matrix
        for batch, first in zip(self._lengths, firsts, strict=True):
            let_others_in()
            n = len(batch)
            flat = _read(self._ids, np.int32, int(batch.sum()))
            if remap is not None:
                flat = remap[flat]
            own = batch[:, list(fields)]
            if len(fields) < self.n_fields:  # the chosen fields' occurrences: a mask by field, repeated
                chosen = np.zeros(self.n_fields, dtype=bool)
                chosen[list(fields)] = True
                flat = flat[np.repeat(np.tile(chosen, n), batch.ravel())]
            seen[flat] = True
            terms = np.flatnonzero(seen)
            seen[terms] = False
            local[terms] = np.arange(terms.size, dtype=np.int32)
            rows = local[flat]
            docs = np.repeat(np.arange(n, dtype=np.int32), own.sum(axis=1))
            yield first, terms, sparse.csr_matrix((np.repeat(scale[first : first + n].ravel(), own.ravel()),
                                                   (rows, docs)), shape=(terms.size, n))
            del flat, rows, docs

    def close(self) -> None:
        self._ids.close()
