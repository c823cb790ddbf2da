"""Meaning in the rankings (issue 28): /topic's linear mix, /paper's tie-break, papers like a paper or a text.

Each takes the index's own BM25 ranking and its `meaning` (int8 rows in catalog positions, `meaning_known`
saying which rows are real vectors) and returns positions; index.py makes the hits. index.py calls here only
when `index.meaning` is set: with it None, every ranking is BM25's, exactly as before.

- /topic: today's ranking to DEPTH papers, mixed with cosine (BM25's share TOPIC_WEIGHT, each side min-max
  normalised over the candidates), the query embedded with the expansions the index reads into it ("RL" also
  "reinforcement learning"); the labelled papers stay first, in BM25's order. The candidates are BM25's DEPTH
  (with SCAN, also cosine's DEPTH best of every vector). Chosen on the development judgments and half of CISI,
  checked on the other half (bench/meaning_eval.py): dev recall@10 0.863 -> 0.882 (0.904 with SCAN),
  held-out CISI nDCG@10 0.3606 -> 0.3689 either way.
- /paper: BM25 decides; cosine only orders papers whose scores are exactly equal.
- /ask: BM25 alone (both fusions were worse on held-out CISI).
- A paper whose row is not known yet (no vector: just added, or an overlay's hidden copy) is never a cosine
  candidate; in /topic's mix its cosine side is its own BM25 value (`fusion.linear`'s `unknown`), so meaning
  neither lifts nor sinks it; in /paper's tie-break it goes after the known papers it ties with.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import pairwise
from typing import Protocol

import numpy as np

from store.search.bm25 import top_k
from store.search.catalog import Catalog, Joined
from store.search.expansion import Query
from store.search.meaning import model
from store.search.meaning.fusion import linear, minmax
from store.search.meaning.vectors import Quantised, cosines
from store.search.results import Hit, PaperView, SearchResult

DEPTH = 100  # candidates from each side, as in the evaluation that chose the mix
# /topic's cosine side: BM25's DEPTH candidates only (False), or also the DEPTH best of a scan of every vector
# (True). The scan found more on dev (recall@10 0.904 against 0.882) and the same on held-out CISI, but costs
# ~9.5 ms a query at 100,000 papers and ten times that at a million (issue 27's latency goals): off.
SCAN = False
TOPIC_WEIGHT = 0.9  # BM25's share of /topic's mix
Ranked = list[tuple[float, int]]  # (score, catalog position), best first

OFF = ("Papers like this one need the meaning model, which is off here (MEANING=off) or not installed; "
       "/paper and /topic still search by words.")
NO_PAPER = "That paper is not in the index (it may have been removed since)."
NOT_YET = ("That paper was added moments ago and its meaning is not read yet; try again in a minute, or "
           "search by its words with /paper.")
NO_TEXT = "That text has nothing to compare by: give a title or a few sentences."
NOTHING_CLOSE = "No paper here is close to it in meaning."


class SearchIndex(Protocol):
    """What meaning reads of an index (store.search.index.SearchIndex, which imports this module)."""

    papers: Sequence[PaperView]
    meaning: Quantised | None
    meaning_known: np.ndarray | None


def known_rows(index: SearchIndex) -> np.ndarray:
    """Which rows of `index.meaning` are real vectors (a zero row never is)."""
    assert index.meaning is not None
    real = index.meaning.scales > 0
    if index.meaning_known is not None:
        real &= index.meaning_known
    if len(hidden := getattr(index, "hidden", ())):  # an overlay's base copies of changed papers: never shown
        real[np.asarray(hidden, dtype=np.int64)] = False
    return real


def query_text(query: str, q: Query) -> str:
    """The query as embedded: as typed, then the long forms and acronyms the index reads into it."""
    return " ".join(dict.fromkeys([query, *(g.shown for g in q.groups)]))


def embedded(text: str) -> np.ndarray | None:
    """A text's unit vector; None when the model is missing or the text has no tokens."""
    try:
        vector = model.embed([text])[0]
    except model.MeaningUnavailable:
        return None
    return vector if vector.any() else None


def _known_of(index: SearchIndex, rows: list[int]) -> np.ndarray:
    """`known_rows` for a few rows only: a query at a million papers reads no whole-index array."""
    assert index.meaning is not None
    at = np.asarray(rows, dtype=np.int64)
    real = index.meaning.scales[at] > 0
    if index.meaning_known is not None:
        real &= index.meaning_known[at]
    if len(hidden := getattr(index, "hidden", ())):
        real &= ~np.isin(at, np.asarray(hidden, dtype=np.int64))
    return real


def _candidate_cosines(index: SearchIndex, vector: np.ndarray, rows: list[int]) -> tuple[dict[int, float], list[int]]:
    """The cosines of BM25's candidates that have a vector, and those that have none."""
    assert index.meaning is not None
    known = _known_of(index, rows).tolist()
    have = [i for i, k in zip(rows, known, strict=True) if k]
    cos = cosines(index.meaning.take(have), vector).tolist() if have else []
    return dict(zip(have, cos, strict=True)), [i for i, k in zip(rows, known, strict=True) if not k]


def _cosines(index: SearchIndex, vector: np.ndarray, known: np.ndarray) -> np.ndarray:
    assert index.meaning is not None
    scores = cosines(index.meaning, vector)
    scores[~known] = 0.0  # top_k takes positive scores only: an unknown row is never a candidate
    return scores


def topic(index: SearchIndex, query: str, q: Query, ranked: Ranked, labelled: int, members: np.ndarray,
          limit: int) -> tuple[Ranked, set[int]]:
    """/topic's first `limit` by the mix, and the positions meaning placed there (not in BM25's first `limit`).

    `ranked`: today's /topic to DEPTH (shown score, position), its first `labelled` the papers carrying the
    label (`members`: every such position). Shown scores: the mix (0..1), the labelled papers 1 above, in
    BM25's order. When the words find nothing, nothing is added: cosine always finds something."""
    vector = embedded(query_text(query, q)) if ranked else None
    if vector is None:
        return ranked[:limit], set()
    bm25 = {i: s for s, i in ranked}
    if SCAN:
        known = known_rows(index)
        cos = _cosines(index, vector, known)
        pool = {i: float(cos[i]) for i in dict.fromkeys([*top_k(cos, DEPTH), *(i for i in bm25 if known[i])])}
        unknown = [i for i in bm25 if not known[i]]
    else:
        pool, unknown = _candidate_cosines(index, vector, list(bm25))
    fused = linear(bm25, pool, TOPIC_WEIGHT, unknown)
    ids = np.fromiter((i for i, _ in fused), dtype=np.int64, count=len(fused))
    rest = [(s, i) for (i, s), pinned in zip(fused, np.isin(ids, members).tolist(), strict=True) if not pinned]
    lift = minmax(np.fromiter((s for s, _ in ranked), dtype=np.float64, count=len(ranked))).tolist()
    out = [(1.0 + lift[k], i) for k, (_, i) in enumerate(ranked[:labelled])] + rest
    return out[:limit], {i for _, i in out[:limit]} - {i for _, i in ranked[:limit]}


def tie_break(index: SearchIndex, query: str, q: Query, ranked: Ranked, limit: int) -> tuple[Ranked, set[int]]:
    """/paper: `ranked` (by score, then position) with equal scores ordered by cosine, best first (an unknown
    row after the known ones it ties with); the query is embedded only when the first `limit` hold a tie."""
    shown = ranked[: limit + 1]
    tied = {s for (s, _), (t, _) in pairwise(shown) if s == t}
    if not tied or (vector := embedded(query_text(query, q))) is None:
        return ranked, set()
    assert index.meaning is not None
    rows = [i for s, i in ranked if s in tied]  # every paper of a tie the first `limit` reach
    known = known_rows(index)
    cos = dict(zip(rows, np.where(known[rows], cosines(index.meaning.take(rows), vector), -2.0).tolist(),
                   strict=True))
    out = sorted(ranked, key=lambda si: (-si[0], -cos.get(si[1], 0.0), si[1]))
    return out, {i for _, i in out[:limit]} - {i for _, i in ranked[:limit]}


def position(index: SearchIndex, paper_id: int) -> int | None:
    """The paper's row: in the catalog, or (an overlay) among its changed papers, never a hidden base copy."""
    papers = index.papers
    if isinstance(papers, Joined):
        for j, p in enumerate(papers.more):
            if p.id == paper_id:
                return len(papers.base) + j
        return None if paper_id in getattr(index, "changes", {}) else papers.base.position(paper_id)
    if isinstance(papers, Catalog):
        return papers.position(paper_id)
    return next((i for i, p in enumerate(papers) if p.id == paper_id), None)


def similar(index: SearchIndex, paper_id: int, limit: int, among: Collection[int] | None) -> SearchResult:
    """The papers closest in meaning to paper `paper_id` (its own stored vector as the query), itself left out."""
    if index.meaning is None:
        return SearchResult(note=OFF)
    if (row := position(index, paper_id)) is None:
        return SearchResult(note=NO_PAPER)
    known = known_rows(index)
    if not known[row]:
        return SearchResult(note=NOT_YET)
    own = index.meaning.vectors([row])[0]
    return nearest(index, own / np.linalg.norm(own), limit, among, row, known)


def similar_text(index: SearchIndex, text: str, limit: int, among: Collection[int] | None) -> SearchResult:
    """The papers closest in meaning to a text (a proposal's title and pitch, a sentence)."""
    if index.meaning is None:
        return SearchResult(note=OFF)
    if not text.strip():
        return SearchResult(note=NO_TEXT)
    if (vector := embedded(text)) is None:
        return SearchResult(note=NO_TEXT if model_available() else OFF)
    return nearest(index, vector, limit, among, None, known_rows(index))


def model_available() -> bool:
    try:
        model.model()
    except model.MeaningUnavailable:
        return False
    return True


def nearest(index: SearchIndex, vector: np.ndarray, limit: int, among: Collection[int] | None, exclude: int | None,
            known: np.ndarray) -> SearchResult:
    """The `limit` known rows with the best positive cosine (ties: lower row first), only among the papers
    `among` names when given, never the row `exclude`; hits marked as meaning's."""
    assert index.meaning is not None
    if among is None:
        scores = _cosines(index, vector, known)
        if exclude is not None:
            scores[exclude] = 0.0
        best = [(float(scores[r]), r) for r in top_k(scores, limit)]
    else:
        rows = sorted({r for pid in among if (r := position(index, pid)) is not None and known[r] and r != exclude})
        scores = cosines(index.meaning.take(rows), vector) if rows else np.zeros(0, dtype=np.float32)
        best = [(float(scores[k]), rows[k]) for k in top_k(scores, limit)]
    if not best:
        return SearchResult(note=NOTHING_CLOSE)
    return SearchResult([Hit(index.papers[r], score, meaning=True) for score, r in best])
