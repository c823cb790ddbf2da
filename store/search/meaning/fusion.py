"""Two rankings made one: BM25's (the words) and cosine's (the meaning). Pure functions.

Reciprocal-rank fusion (Cormack, Clarke and Büttcher, 2009) uses ranks only, so it needs no
calibration between BM25's unbounded scores and cosine's [-1, 1]; the linear mix uses the scores,
each side min-max normalised over its own candidates, and so keeps how far apart two papers are.
Both return (id, fused score), best first, ties broken by BM25's order, then by id.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

RRF_K = 60  # the constant of the original paper: damps the head so no single list dominates


def rrf(rankings: Sequence[Sequence[int]], k: int = RRF_K, weights: Sequence[float] | None = None,
        ) -> list[tuple[int, float]]:
    """Σ weight / (k + rank) over the rankings that hold an id (rank from 1). An id's tie-break is the
    first place it is met, reading the lists in order (the first list is BM25's)."""
    if k < 0:
        raise ValueError("k must be >= 0")
    weights = [1.0] * len(rankings) if weights is None else list(weights)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    score: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        seen: set[int] = set()
        for rank, doc in enumerate(ranking, 1):
            if doc in seen:  # a list naming an id twice counts it once, at its best rank
                continue
            seen.add(doc)
            score[doc] = score.get(doc, 0.0) + weight / (k + rank)
    met = {doc: i for i, doc in enumerate(score)}  # dicts keep insertion order: the first place met
    return sorted(score.items(), key=lambda item: (-item[1], met[item[0]]))


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scores to [0, 1]: the lowest 0, the highest 1; all equal: all 1 if positive, else all 0."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.size == 0:
        return scores
    low, high = float(scores.min()), float(scores.max())
    if high == low:
        return np.full_like(scores, 1.0 if high > 0 else 0.0)
    return (scores - low) / (high - low)


def linear(bm25: Mapping[int, float], cosine: Mapping[int, float], weight: float,
           unknown: Collection[int] = ()) -> list[tuple[int, float]]:
    """weight · BM25 + (1 - weight) · cosine, each min-max normalised over its own candidates; an id one
    side lacks counts 0 on that side. weight 1 is BM25's order, weight 0 cosine's.

    `unknown`: BM25's ids whose meaning is not known yet (no vector): their cosine side is their own BM25
    value, so their mix is their normalised BM25 score; meaning neither lifts nor sinks them."""
    if not 0.0 <= weight <= 1.0:
        raise ValueError("weight must be within [0, 1]")
    fused: dict[int, float] = {}
    normed: dict[int, float] = {}
    for side, share in ((bm25, weight), (cosine, 1.0 - weight)):
        ids = list(side)
        values = minmax(np.fromiter(side.values(), dtype=np.float64, count=len(ids))).tolist()
        if side is bm25:
            normed = dict(zip(ids, values, strict=True))
        for doc, value in zip(ids, values, strict=True):
            fused[doc] = fused.get(doc, 0.0) + share * value
    for doc in unknown:
        if doc in normed and doc not in cosine:
            fused[doc] += (1.0 - weight) * normed[doc]
    order = {doc: i for i, doc in enumerate(sorted(bm25, key=lambda d: -bm25[d]))}
    last = len(order)
    return sorted(fused.items(), key=lambda item: (-item[1], order.get(item[0], last), item[0]))
