"""The fast BM25 matrix against rank-bm25's BM25Okapi, the definition of the score, and its traps."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from store.search import bm25
from store.search.bm25 import EPSILON, K1, B, BM25Matrix, idf_weights, top_k


def corpus(n_docs: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(3000)]
    weights = [1.0 / (i + 10) for i in range(len(vocab))]  # Zipf-like: few common words, many rare
    return [rng.choices(vocab, weights, k=rng.randint(20, 200)) for _ in range(n_docs)]


def test_same_top10_and_proportional_scores_as_rank_bm25() -> None:
    docs = corpus(3000)
    ours, ref = BM25Matrix.from_tokens(docs), BM25Okapi(docs)
    rng = random.Random(1)
    doc_freq: dict[str, int] = {}
    for d in docs:
        for t in set(d):
            doc_freq[t] = doc_freq.get(t, 0) + 1
    usable = [t for t, n in doc_freq.items() if n < len(docs) / 2]  # below rank-bm25's epsilon floor
    assert len(usable) > 1000
    for _ in range(60):
        query = rng.sample(usable, rng.randint(1, 5))
        expected, got = ref.get_scores(query), ours.scores(query)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)
        assert top_k(got, 10) == sorted(np.argsort(-expected, kind="stable")[:10].tolist(),
                                        key=lambda i: (-expected[i], i))


def test_departure_a_very_common_term_never_outweighs_a_rare_one() -> None:
    # "model" is in every document but one; "zebra" in one. rank-bm25 gives the common word
    # 0.25 x the mean IDF (its issue #39), which here is more than the rare word's IDF.
    docs = [["model", "x"]] * 4 + [["zebra", "x", "y"]] + [["q", "r"]] * 5 + [["model", "r"]] * 5
    ref = BM25Okapi(docs)
    ours = BM25Matrix.from_tokens(docs)
    ref_common, ref_rare = ref.idf["model"], ref.idf["zebra"]
    idf = idf_weights(np.diff(ours.weights.indptr).astype(float), len(docs))
    vocab = ours.vocabulary
    assert idf[vocab["model"]] <= idf[vocab["zebra"]]
    assert idf[vocab["model"]] > 0
    # Where rank-bm25 keeps the IDF, we agree exactly.
    assert idf[vocab["zebra"]] == pytest.approx(ref_rare)
    assert ref_common != pytest.approx(idf[vocab["model"]]) or ref_common <= ref_rare


def test_empty_corpus_has_no_results_instead_of_zero_division() -> None:
    with pytest.raises(ZeroDivisionError):
        BM25Okapi([])
    empty = BM25Matrix.from_tokens([])
    assert empty.scores(["anything"]).size == 0 and top_k(empty.scores(["anything"]), 10) == []


@pytest.mark.parametrize("docs", [[["lottery", "ticket"]],
                                  [["lottery", "ticket"], ["policy", "gradient"]]])
def test_one_or_two_documents_are_still_found(docs: list[list[str]]) -> None:
    assert max(BM25Okapi(docs).get_scores(["lottery"])) <= 0  # rank-bm25: nothing scores above zero
    ours = BM25Matrix.from_tokens(docs)
    assert top_k(ours.scores(["lottery"]), 10) == [0]
    assert ours.scores(["lottery"])[0] == pytest.approx(
        EPSILON * 1.0 * 1 * (1.5 + 1) / (1 + 1.5 * (1 - 0.75 + 0.75 * 2 / 2)))


def test_the_library_never_passes_a_tokenizer_to_rank_bm25() -> None:
    # rank-bm25's tokenizer= argument opens a multiprocessing Pool that is never closed.
    import pathlib

    import store

    for path in pathlib.Path(store.__file__).parent.rglob("*.py"):
        assert "BM25Okapi(" not in path.read_text(encoding="utf-8"), path


def test_bm25f_with_one_field_is_bm25_and_leaves_its_input_alone() -> None:
    docs = corpus(300, seed=3)
    vocab: dict[str, int] = {}
    flat = np.fromiter((vocab.setdefault(t, len(vocab)) for d in docs for t in d), dtype=np.int32)
    lengths = np.array([len(d) for d in docs])
    kept = flat.copy()
    single = BM25Matrix.from_fields(flat, lengths.reshape(-1, 1), [1.0], vocab)
    assert np.array_equal(flat, kept)
    ref = BM25Okapi(docs)
    query = ["w100", "w2000", "w42"]
    np.testing.assert_allclose(single.scores(query), ref.get_scores(query), rtol=1e-6, atol=1e-9)
    # Two fields: a word in both adds evidence, but saturates instead of counting twice in full.
    twice = np.concatenate([np.concatenate([d, d]) for d in np.split(flat, np.cumsum(lengths)[:-1])])
    double = BM25Matrix.from_fields(twice, np.stack([lengths, lengths], axis=1), [1.0, 1.0], vocab)
    s1, s2 = single.scores(["w100"]), double.scores(["w100"])
    hit = s1 > 0
    assert np.all(s2[hit] > s1[hit]) and np.all(s2[hit] < 2 * s1[hit])


def test_bm25f_matches_its_formula_written_out() -> None:
    """Fields of different lengths and weights, some empty, laid out paper after paper: every score is
    the BM25F formula computed term by term in plain Python."""
    rng = random.Random(11)
    weights = [2.0, 1.0, 0.5]
    docs = [[[f"w{rng.randrange(60)}" for _ in range(rng.choice([0, 1, 3, 8, 20]))] for _ in weights]
            for _ in range(200)]
    vocab: dict[str, int] = {}
    flat = np.fromiter((vocab.setdefault(t, len(vocab)) for d in docs for field in d for t in field),
                       dtype=np.int32)
    lengths = np.array([[len(field) for field in d] for d in docs])
    ours = BM25Matrix.from_fields(flat, lengths, weights, vocab)
    avgdl = [max(float(np.mean([len(d[f]) for d in docs])), 1e-12) for f in range(len(weights))]
    n = len(docs)
    for term in ["w0", "w7", "w33", "w59"]:
        df = sum(any(term in field for field in d) for d in docs)
        idf = math.log(n - df + 0.5) - math.log(df + 0.5)
        assert idf > 0  # no term is in half the documents here: no floor involved
        expected = []
        for d in docs:
            tf = sum(w * d[f].count(term) / (1 - B + B * len(d[f]) / avgdl[f]) for f, w in enumerate(weights))
            expected.append(idf * tf * (K1 + 1) / (tf + K1))
        np.testing.assert_allclose(ours.scores([term]), expected, rtol=1e-6, atol=1e-9)


def reference_top_k(scores: np.ndarray, k: int) -> list[int]:
    return sorted((i for i in range(scores.size) if scores[i] > 0), key=lambda i: (-scores[i], i))[:k]


@given(st.lists(st.sampled_from([0.0, -1.0, 0.5, 1.0, 1.0, 2.0, 3.5]) | st.floats(-5, 50), max_size=3000),
       st.integers(0, 40))
def test_top_k_is_the_plain_sort(values: list[float], k: int) -> None:
    """The sampled bound only skips work: the answer is the sort of every positive score."""
    scores = np.asarray(values, dtype=np.float64)
    assert top_k(scores, k) == reference_top_k(scores, k)


@pytest.mark.parametrize("layout", ["few positives, missed by the sample", "a tie across half the corpus",
                                    "one best, the rest tied", "all zero"])
def test_top_k_on_a_large_corpus(layout: str) -> None:
    rng = np.random.default_rng(3)
    scores = np.zeros(100_000)
    if layout.startswith("few"):
        scores[rng.choice(100_000, 12, replace=False)] = rng.random(12) + 0.1
    elif layout.startswith("a tie"):
        scores[::2] = 4.0
        scores[rng.choice(100_000, 300, replace=False)] = rng.random(300) * 8
    elif layout.startswith("one best"):
        scores[:] = 1.0
        scores[77_777] = 2.0
    for k in (1, 10, 16, 25):
        assert top_k(scores, k) == reference_top_k(scores, k), (layout, k)


def summed_by_bincount(matrix: BM25Matrix, terms: list[tuple[str, float]]) -> np.ndarray:
    """Every posting of every query term, weighted, summed per document in one pass: the definition."""
    w, rows = matrix.weights, matrix.weights.shape[0]
    spans = [(slice(w.indptr[i], w.indptr[i + 1]), x) for t, x in terms if (i := matrix.vocabulary.get(t, rows))
             < rows and x]
    if not spans:
        return np.zeros(matrix.n_docs)
    return np.bincount(np.concatenate([w.indices[s] for s, _ in spans]),
                       weights=np.concatenate([w.data[s].astype(np.float64) * x for s, x in spans]),
                       minlength=matrix.n_docs)


@pytest.mark.parametrize("loop", ["scipy's C loop", "numpy's indexing"])
def test_scores_are_the_sum_of_the_postings_exactly(loop: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are added by scipy's C loop (or, where a scipy lacks it, by numpy's indexing): the float64 sums
    are still every posting's in the query's order, to the last bit, for common words and rare ones, repeats
    and weights."""
    if loop == "numpy's indexing":
        monkeypatch.setattr(bm25, "_csc_matvec", None)
    else:
        assert bm25._csc_matvec is not None  # the scipy this project installs has it
    docs = corpus(4000, seed=11)
    ours = BM25Matrix.from_tokens(docs)
    df = np.diff(ours.weights.indptr)
    common = sorted(t for t, i in ours.vocabulary.items() if df[i] > len(docs) // 8)
    rare = sorted(t for t, i in ours.vocabulary.items() if df[i] <= len(docs) // 8)
    assert len(common) >= 4 and len(rare) >= 4
    rng = random.Random(5)
    for _ in range(300):
        query = rng.sample(common, rng.randint(0, 4)) + rng.sample(rare, rng.randint(0, 4)) + ["unknown"]
        rng.shuffle(query)
        query += rng.sample(query, rng.randint(0, min(2, len(query))))  # a word typed twice counts twice
        assert np.array_equal(ours.scores(query), summed_by_bincount(ours, [(t, 1.0) for t in query]))
        weighted = [(t, rng.choice([1.0, 0.1, 0.15, 0.0, 2.5, -0.5])) for t in query]
        got = ours.weighted_scores(weighted)
        assert np.array_equal(got, summed_by_bincount(ours, weighted))
        assert not np.signbit(got[got == 0]).any()  # no -0 from a negative weight
