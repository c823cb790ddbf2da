"""Okapi BM25 as rank-bm25's `BM25Okapi` defines it, precomputed into a sparse matrix.

Every (term, document) weight  idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * |d| / avgdl))  is
computed once at build time; a query is then the sum of a few matrix rows and a partial sort, a few
milliseconds at 100,000 documents instead of a Python loop over every document.

One deliberate departure from rank-bm25 0.2.2: the IDF of a term found in half the documents or more.
rank-bm25 replaces a negative IDF with `epsilon * mean(idf)`, which can make a very common word outweigh
a rare one (rank-bm25 issue #39), and in a corpus of one or two documents leaves every score <= 0, so
nothing is ever found. Here such a term gets `epsilon * min(positive idf)` (or `epsilon` when no term
has a positive IDF): it still counts, a little, and never more than any rarer term. Where no query term
is that common, scores equal rank-bm25's exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy import sparse

try:  # scipy's C loop behind `csc_matrix @ vector`; a private name, so numpy's indexing stands by
    from scipy.sparse._sparsetools import csc_matvec as _csc_matvec
except ImportError:  # pragma: no cover - a scipy that moved it
    _csc_matvec = None

K1 = 1.5
B = 0.75
EPSILON = 0.25
SAMPLE_PER_K = 64  # top_k: an even sample of about 64 scores per wanted hit bounds the k-th best from below


def idf_weights(df: np.ndarray, n_docs: int, epsilon: float = EPSILON) -> np.ndarray:
    """Robertson-Sparck Jones IDF with the floor described in the module docstring."""
    idf = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
    positive = idf[idf > 0]
    floor = epsilon * (float(positive.min()) if positive.size else 1.0)
    return np.where(idf > 0, idf, floor)


def add_row(out: np.ndarray, docs: np.ndarray, data: np.ndarray, x: float) -> None:
    """`out[docs] += data * x` in float64, `docs` distinct: through scipy's C loop for one column (its
    pointers `[0, len]`), or numpy's indexing where that loop is missing; the two sums are the same bits."""
    values = data.astype(np.float64)
    if _csc_matvec is None:
        out[docs] += values * x
        return
    _csc_matvec(out.size, 1, np.array([0, docs.size], dtype=docs.dtype), docs, values,
                np.array([x], dtype=np.float64), out)


class BM25Matrix:
    """Immutable BM25 index over pre-tokenised documents (term ids or strings)."""

    def __init__(self, weights: sparse.csr_matrix, vocabulary: Mapping[str, int], n_docs: int,
                 idf: np.ndarray | None = None) -> None:
        self.weights = weights  # (n_terms, n_docs), CSR: one row per term
        self.vocabulary = vocabulary
        self.n_docs = n_docs
        self.idf = np.zeros(weights.shape[0], dtype=np.float32) if idf is None else idf
        self.avgdl: np.ndarray | None = None  # each field's mean length, when built from fields

    @classmethod
    def from_tokens(cls, docs: Sequence[Sequence[str]], vocabulary: dict[str, int] | None = None,
                    k1: float = K1, b: float = B, epsilon: float = EPSILON) -> BM25Matrix:
        vocab: dict[str, int] = {} if vocabulary is None else vocabulary
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        flat = np.fromiter((vocab.setdefault(t, len(vocab)) for d in docs for t in d), dtype=np.int32,
                           count=int(lengths.sum()))
        return cls.from_ids(flat, lengths, vocab, k1, b, epsilon)

    @classmethod
    def from_ids(cls, flat: np.ndarray, lengths: np.ndarray, vocabulary: Mapping[str, int],
                 k1: float = K1, b: float = B, epsilon: float = EPSILON) -> BM25Matrix:
        """Build from every document's term ids laid end to end (`lengths` says where each ends)."""
        return cls.from_fields(flat, np.asarray(lengths).reshape(-1, 1), [1.0], vocabulary, k1, b, epsilon)

    @classmethod
    def from_fields(cls, flat: np.ndarray, lengths: np.ndarray, weights: Sequence[float],
                    vocabulary: Mapping[str, int], k1: float = K1, b: float = B,
                    epsilon: float = EPSILON) -> BM25Matrix:
        """BM25F: each field's term frequencies, length-normalised within the field and weighted, are
        added before the saturation, so a word found in the title and the summary is not counted as
        two independent pieces of evidence. With one field of weight 1 this is exactly BM25Okapi.

        `flat` holds the term ids of document 0's fields in order, then document 1's, and so on;
        `lengths[d, f]` is the number of ids of field f of document d; `weights[f]` its weight.
        """
        n_docs = len(lengths)
        n_terms = max(len(vocabulary), 1)
        if n_docs == 0 or flat.size == 0:
            return cls(sparse.csr_matrix((n_terms, n_docs), dtype=np.float32), vocabulary, n_docs)
        avgdl = lengths.mean(axis=0)
        avgdl[avgdl == 0] = 1.0  # a field empty everywhere: no terms to normalise
        # What one occurrence of a term in field f of document d adds to the document's frequency.
        scale = np.asarray(weights, dtype=np.float64) / (1 - b + b * lengths / avgdl)
        docs = np.repeat(np.arange(n_docs, dtype=np.int32), lengths.sum(axis=1))
        # Occurrences come document by document, so placing each in its term's row (a counting sort,
        # which keeps that order) leaves every row's documents sorted, and adding up the repeats of a
        # term in a document is one linear pass: no sort anywhere.
        total = sparse.csr_matrix((np.repeat(scale.ravel(), lengths.ravel()), (flat, docs)),
                                  shape=(n_terms, n_docs))
        df = np.diff(total.indptr).astype(np.float64)
        idf = idf_weights(df, n_docs, epsilon)
        rows = np.repeat(np.arange(n_terms), np.diff(total.indptr))
        data = total.data
        # Stored as float32: half the memory, and a relative error (6e-8) far below any score gap.
        weighted = (idf[rows] * data * (k1 + 1) / (data + k1)).astype(np.float32)
        matrix = cls(sparse.csr_matrix((weighted, total.indices, total.indptr), shape=total.shape), vocabulary,
                     n_docs, idf.astype(np.float32))
        matrix.avgdl = avgdl  # per field: what an incremental update (store/search/overlay.py) normalises by
        return matrix

    def _rows(self, terms: Iterable[str]) -> list[int]:
        rows = self.weights.shape[0]  # the vocabulary may be shared with (and grown by) other matrices
        return [i for t in terms if (i := self.vocabulary.get(t, rows)) < rows]

    def scores(self, terms: Iterable[str]) -> np.ndarray:
        """BM25 score of every document for the query terms (repeats count, unknown terms add 0)."""
        return self._summed([(i, None) for i in self._rows(terms)])

    def weighted_scores(self, terms: Sequence[tuple[str, float]]) -> np.ndarray:
        """Σ weight · BM25 weight of the term in the document: a query whose terms do not all count fully
        (an expansion's terms, pseudo-relevance feedback). With every weight 1 this is `scores`."""
        rows = self.weights.shape[0]
        return self._summed([(i, x) for t, x in terms if (i := self.vocabulary.get(t, rows)) < rows and x])

    def _summed(self, picked: Sequence[tuple[int, float | None]]) -> np.ndarray:
        """Each term's row (times its weight, when one is given) added into every document's score, in the
        query's order and in float64: each document's sum is bincount's exactly (0 + w is w, s + 0 is s).

        A row is added by scipy's own C loop for `y += A @ x` (what every CSC matrix times a vector runs),
        given the row as a one-column matrix: no temporary as long as the documents, and one pass over the
        row's postings. numpy's gather and scatter (`y[docs] += data * x`), or a common word's row put into
        a zeroed vector and added whole, took two to three times as long (bench: /paper's scoring at
        100,000 papers, 0.22 ms p50 against 0.09).
        """
        w = self.weights
        out = np.zeros(self.n_docs, dtype=np.float64)
        for i, x in picked:
            lo, hi = int(w.indptr[i]), int(w.indptr[i + 1])
            if lo < hi:
                add_row(out, w.indices[lo:hi], w.data[lo:hi], 1.0 if x is None else x)
        return out

    def scores_of(self, terms: Iterable[str], docs: Sequence[int]) -> np.ndarray:
        """The scores of a few documents only: each looked up in the query terms' sorted postings."""
        w = self.weights
        docs = np.asarray(docs, dtype=np.int64)
        out = np.zeros(docs.size, dtype=np.float64)
        for i in self._rows(terms):
            lo, hi = w.indptr[i], w.indptr[i + 1]
            if lo == hi or docs.size == 0:
                continue
            at = np.minimum(np.searchsorted(w.indices[lo:hi], docs), hi - lo - 1)
            hit = w.indices[lo + at] == docs
            out[hit] += w.data[lo + at[hit]]
        return out


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """Indices of the k best positive scores, best first (ties: lower index first).

    A partial sort of every score was most of a query's ranking time at 100,000 papers. The k-th best
    score of an even sample is no higher than the k-th best of all, so only the scores at or above it
    (some SAMPLE_PER_K * k of them) are looked at again.
    """
    if k <= 0 or scores.size == 0:
        return []
    sample = scores[:: max(1, scores.size // (SAMPLE_PER_K * k))]
    bound = np.partition(sample, sample.size - k)[sample.size - k] if sample.size > k else 0.0
    chosen = np.flatnonzero(scores >= bound) if bound > 0 else np.flatnonzero(scores > 0)
    values = scores[chosen]
    if chosen.size > k:
        kth = values[np.argpartition(-values, k - 1)[k - 1]]
        above = np.flatnonzero(values > kth)  # fewer than k
        # Ties at the cut are broken by position, not by chance (`chosen` is in index order). A label shared
        # by half the corpus ties thousands of papers, so only as many as needed are taken.
        tied = np.flatnonzero(values == kth)[: k - above.size]
        keep = np.concatenate([above, tied])
        chosen, values = chosen[keep], values[keep]
    return chosen[np.lexsort((chosen, -values))].tolist()
