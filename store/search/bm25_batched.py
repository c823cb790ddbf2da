"""BM25F matrices built from documents given a batch at a time, in memory bounded by the result.

`BM25Matrix.from_fields` takes every term occurrence of the corpus at once and turns it into a sparse matrix;
at a million papers its arrays of occurrences, their weights and the matrix in the making are several times
the matrix itself, beside the index still answering queries. Here the occurrences of each batch go to a
temporary file; once every batch is in (the mean field lengths are then known), each batch is summed into
its (term, document) frequencies exactly as `from_fields` sums them (same order of additions, so the
same floats) and spilled again; the batches' entries are then merged a range of terms at a time, weighted,
and written to the matrix's own files, which are mapped (store/search/spill.py): the process never holds
more than a batch or a range, and the snapshot copies the matrix from those files.
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

RANGE_ENTRIES = 1 << 18  # matrix entries merged at a time (some 12 MB of work arrays)


def _write(fh: BinaryIO, *arrays: np.ndarray) -> None:
    for a in arrays:
        fh.write(np.ascontiguousarray(a).tobytes())


def _read(fh: BinaryIO, dtype: type, count: int) -> np.ndarray:
    return np.frombuffer(fh.read(count * np.dtype(dtype).itemsize), dtype=dtype)


def _by_terms(sums: BinaryIO, sizes: list[int], indptr: np.ndarray) -> Iterator[tuple[np.ndarray, ...]]:
    """Every batch's entries (term, document, frequency) merged term by term, a range of terms at a time:
    each batch's entries of the range follow the earlier batches', so a term's documents stay in order."""
    bounds = np.searchsorted(indptr, np.arange(0, int(indptr[-1]), RANGE_ENTRIES), side="right") - 1
    bounds = np.unique(np.r_[bounds, len(indptr) - 1])  # term ids where a range starts, and the end
    starts, cuts = [], []  # each batch's place in the file, and where each range starts among its entries
    at = 0
    for size in sizes:
        sums.seek(at)
        cuts.append(np.searchsorted(_read(sums, np.int32, size), bounds).tolist())
        starts.append(at)
        at += size * 16
    for k in range(len(bounds) - 1):
        parts = []
        for start, size, cut in zip(starts, sizes, cuts, strict=True):
            lo, n = cut[k], cut[k + 1] - cut[k]
            if n:
                parts.append((_pread(sums, np.int32, start + 4 * lo, n),  # terms, documents, frequencies
                              _pread(sums, np.int32, start + 4 * (size + lo), n),
                              _pread(sums, np.float64, start + 8 * (size + lo), n)))
        if parts:
            rows, docs, data = (np.concatenate(p) for p in zip(*parts, strict=True))
            order = np.argsort(rows, kind="stable")
            yield rows[order], docs[order], data[order]


def _pread(fh: BinaryIO, dtype: type, offset: int, count: int) -> np.ndarray:
    size = np.dtype(dtype).itemsize
    return np.frombuffer(os.pread(fh.fileno(), count * size, offset), dtype=dtype)


class BatchedFields:
    """Every document's fields as term ids, added a batch of documents at a time (`add`), then made into
    BM25F matrices over chosen fields (`matrix`)."""

    def __init__(self, n_fields: int) -> None:
        self.n_fields = n_fields
        self._ids = spill.temporary()  # closed by `close`
        self._lengths: list[np.ndarray] = []

    def add(self, flat: np.ndarray, lengths: np.ndarray) -> None:
        """`flat`: the batch's term ids, document after document, field after field; `lengths[d, f]`."""
        _write(self._ids, flat.astype(np.int32, copy=False))
        self._lengths.append(np.asarray(lengths, dtype=np.int64).reshape(-1, self.n_fields))

    @property
    def lengths(self) -> np.ndarray:
        return np.concatenate(self._lengths) if self._lengths else np.zeros((0, self.n_fields), dtype=np.int64)

    def matrix(self, fields: Sequence[int], weights: Sequence[float], vocabulary: Mapping[str, int],
               k1: float = K1, b: float = B, epsilon: float = EPSILON) -> BM25Matrix:
        """`BM25Matrix.from_fields` over these fields of every document (`weights`: one per field)."""
        all_lengths = self.lengths
        lengths = all_lengths[:, list(fields)]
        n_docs, n_terms = len(lengths), max(len(vocabulary), 1)
        if n_docs == 0 or not lengths.any():
            return BM25Matrix(sparse.csr_matrix((n_terms, n_docs), dtype=np.float32), vocabulary, n_docs)
        avgdl = lengths.mean(axis=0)
        avgdl[avgdl == 0] = 1.0
        scale = np.asarray(weights, dtype=np.float64) / (1 - b + b * lengths / avgdl)
        df = np.zeros(n_terms, dtype=np.int64)
        with spill.temporary() as sums:
            sizes = []  # entries of each batch's (term, document) frequencies, laid out in `sums` term by term
            self._ids.seek(0)
            first = 0
            for batch in self._lengths:
                n = len(batch)
                flat = _read(self._ids, np.int32, int(batch.sum()))
                if len(fields) < self.n_fields:
                    field = np.repeat(np.tile(np.arange(self.n_fields), n), batch.ravel())
                    flat = flat[np.isin(field, fields)]
                own = lengths[first : first + n]
                docs = np.repeat(np.arange(n, dtype=np.int32), own.sum(axis=1))
                total = sparse.csr_matrix((np.repeat(scale[first : first + n].ravel(), own.ravel()), (flat, docs)),
                                          shape=(n_terms, n))
                counts = np.diff(total.indptr)
                df += counts
                rows = np.repeat(np.arange(n_terms, dtype=np.int32), counts)
                _write(sums, rows, total.indices.astype(np.int32) + first, total.data.astype(np.float64))
                sizes.append(total.nnz)
                first += n
                del flat, docs, total, rows
                heap.give_back()
            idf = idf_weights(df.astype(np.float64), n_docs, epsilon)
            indptr = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
            indices_file, weights_file = spill.temporary(), spill.temporary()
            for rows, docs, data in _by_terms(sums, sizes, indptr):
                indices_file.write(docs.tobytes())
                weights_file.write((idf[rows] * data * (k1 + 1) / (data + k1)).astype(np.float32).tobytes())
            indices, weighted = spill.mapped(indices_file, np.int32), spill.mapped(weights_file, np.float32)
        matrix = BM25Matrix(sparse.csr_matrix((weighted, indices, indptr), shape=(n_terms, n_docs)), vocabulary,
                            n_docs, idf.astype(np.float32))
        matrix.avgdl = avgdl
        return matrix

    def close(self) -> None:
        self._ids.close()
