"""Fusion's exact behaviour on small hand-made lists (store/search/meaning/fusion.py)."""

from __future__ import annotations

import numpy as np
import pytest

from store.search.meaning.fusion import RRF_K, linear, minmax, rrf


def test_rrf_sums_reciprocal_ranks_with_k_60() -> None:
    fused = dict(rrf([[10, 20, 30], [30, 40]]))
    assert RRF_K == 60
    assert fused[10] == pytest.approx(1 / 61)
    assert fused[20] == pytest.approx(1 / 62)
    assert fused[30] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[40] == pytest.approx(1 / 62)


def test_rrf_order_and_ties_follow_the_first_list() -> None:
    # 30 is in both lists: first; then 10 (1/61); 20 and 40 tie at 1/62: 20 is met first (the first
    # list is read first).
    assert [d for d, _ in rrf([[10, 20, 30], [30, 40]])] == [30, 10, 20, 40]
    assert [d for d, _ in rrf([[1, 2], [2, 1]])] == [1, 2]  # equal sums: the first list's order


def test_rrf_k_zero_weights_and_repeats() -> None:
    assert rrf([[5, 6]], k=0) == [(5, 1.0), (6, 0.5)]
    assert rrf([[1], [2]], k=0, weights=[1.0, 3.0]) == [(2, 3.0), (1, 1.0)]
    assert rrf([[7, 7, 8]], k=0) == [(7, 1.0), (8, 1 / 3)]  # a repeat counts once, at its best rank
    assert rrf([]) == []
    assert rrf([[], []]) == []
    with pytest.raises(ValueError):
        rrf([[1]], weights=[1.0, 2.0])
    with pytest.raises(ValueError):
        rrf([[1]], k=-1)


def test_minmax() -> None:
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([5.0, 5.0])).tolist() == [1.0, 1.0]
    assert minmax(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]
    assert minmax(np.array([-1.0, 1.0])).tolist() == [0.0, 1.0]
    assert minmax(np.array([])).tolist() == []


def test_linear_mix_exact_scores() -> None:
    bm25 = {1: 10.0, 2: 6.0, 3: 2.0}  # normalised 1, 0.5, 0
    cosine = {2: 0.9, 4: 0.5, 1: 0.1}  # normalised 1, 0.5, 0
    fused = dict(linear(bm25, cosine, 0.7))
    assert fused == pytest.approx({1: 0.7, 2: 0.35 + 0.3, 3: 0.0, 4: 0.15})
    assert [d for d, _ in linear(bm25, cosine, 0.7)] == [1, 2, 4, 3]


def test_linear_mix_ends_are_each_sides_order() -> None:
    bm25 = {1: 3.0, 2: 2.0, 3: 1.0}
    cosine = {3: 0.8, 2: 0.5, 1: 0.2, 9: 0.1}
    assert [d for d, _ in linear(bm25, cosine, 1.0)][:3] == [1, 2, 3]
    assert [d for d, _ in linear(bm25, cosine, 0.0)] == [3, 2, 1, 9]


def test_linear_mix_ties_follow_bm25_then_id() -> None:
    # 1 and 2: same BM25 score and no cosine: BM25's (stable) order; 8 and 9 have neither: by id.
    assert [d for d, _ in linear({2: 1.0, 1: 1.0}, {9: 0.0, 8: 0.0}, 0.5)] == [2, 1, 8, 9]
    with pytest.raises(ValueError):
        linear({}, {}, 1.5)
    assert linear({}, {}, 0.5) == []
