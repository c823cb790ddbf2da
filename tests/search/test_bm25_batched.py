"""The index's matrices, built a batch of papers at a time (store/search/bm25_batched.py), equal the ones
`BM25Matrix.from_fields` builds from the whole corpus at once, bit for bit, whatever the batch size."""

from __future__ import annotations

import numpy as np
import pytest

import store.search.fields as fields_module
from store.search import SearchIndex, bm25_batched
from store.search.bm25 import BM25Matrix
from store.search.index import FIELD_WEIGHTS
from store.search.layout import FieldLayout
from store.search.why import field_text
from tests.search.test_overlay import SEEDS


@pytest.mark.parametrize(("batch", "entries", "terms"),
                         [(1, 1 << 21, 1 << 16), (7, 1 << 21, 1 << 16), (20_000, 1 << 21, 1 << 16), (7, 50, 1 << 16),
                          (3, 1, 1 << 16), (7, 1 << 21, 3), (20_000, 1 << 21, 1), (7, 50, 17)])
def test_batched_matrices_equal_the_whole_corpus_build(batch: int, entries: int, terms: int,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`entries` and `terms`: the most a range of the merge holds and spans (a range of one term, of a few)."""
    monkeypatch.setattr(fields_module, "LAYOUT_BATCH", batch)
    monkeypatch.setattr(bm25_batched, "RANGE_ENTRIES", entries)
    monkeypatch.setattr(bm25_batched, "RANGE_TERMS", terms)
    built = SearchIndex.build(SEEDS)
    layout = FieldLayout()
    flat, lengths = layout.lay_out([field_text(p, f) for p in SEEDS for f in FIELD_WEIGHTS])
    lengths = lengths.reshape(-1, len(FIELD_WEIGHTS))
    assert layout.vocabulary == built.vocabulary
    combined = BM25Matrix.from_fields(flat, lengths, list(FIELD_WEIGHTS.values()), layout.vocabulary)
    field = np.repeat(np.tile(np.arange(len(FIELD_WEIGHTS)), len(lengths)), lengths.ravel())
    title = BM25Matrix.from_ids(flat[field == 0], lengths[:, 0], layout.vocabulary)
    for whole, batched in ((combined, built.combined), (title, built.title)):
        assert whole.weights.shape == batched.weights.shape
        for part in ("data", "indices", "indptr"):
            assert np.array_equal(getattr(whole.weights, part), getattr(batched.weights, part)), part
        assert whole.weights.data.dtype == batched.weights.data.dtype == np.float32
        assert np.array_equal(whole.idf, batched.idf) and np.array_equal(whole.avgdl, batched.avgdl)


def test_an_empty_corpus_builds_empty_matrices() -> None:
    empty = SearchIndex.build([])
    assert empty.combined.weights.nnz == 0 and empty.combined.avgdl is None and not empty.paper("anything").hits


def test_a_batch_without_a_fields_terms_equals_the_whole_corpus_build() -> None:
    """A batch whose papers have nothing in a field (here: the second batch's first field) sums no rows."""
    vocabulary = {f"t{i}": i for i in range(6)}
    docs = [([0, 1, 1], [2]), ([1], [3, 3, 0]), ([], [4]), ([], [5, 2])]  # (field 0's ids, field 1's ids)
    fields = bm25_batched.BatchedFields(2)
    for part in (docs[:2], docs[2:]):
        flat = np.array([t for d in part for f in d for t in f], dtype=np.int32)
        fields.add(flat, np.array([[len(f) for f in d] for d in part]))
    flat = np.array([t for d in docs for f in d for t in f], dtype=np.int32)
    lengths = np.array([[len(f) for f in d] for d in docs])
    first_field = np.array([t for d in docs for t in d[0]], dtype=np.int32)
    for whole, batched in ((BM25Matrix.from_fields(flat, lengths, [2.0, 1.0], vocabulary),
                            fields.matrix([0, 1], [2.0, 1.0], vocabulary)),
                           (BM25Matrix.from_ids(first_field, lengths[:, 0], vocabulary),
                            fields.matrix([0], [1.0], vocabulary))):
        for part in ("data", "indices", "indptr"):
            assert np.array_equal(getattr(whole.weights, part), getattr(batched.weights, part)), part
        assert np.array_equal(whole.idf, batched.idf)
    assert fields.matrix([0], [1.0], vocabulary).weights.indptr.tolist() == [0, 1, 3, 3, 3, 3, 3]
    fields.close()
