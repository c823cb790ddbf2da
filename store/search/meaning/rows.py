"""An index's vectors: `index.meaning` (a `Quantised`, one row per catalog position, zeros where unknown),
`index.meaning_known` (which rows are real) and `index.meaning_model` (the fingerprint they were made with).

An index is never changed once it answers queries: vectors that arrive later (the embedder's, a member's
changed papers) make new arrays, and the index is swapped for a shallow copy holding them (`patched`). At a
million papers a copy is 256 MB of codes and 5 MB of scales and flags, made in a worker thread: so the
embedder hands its vectors over a few seconds' worth at a time, not a batch at a time.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from store.search.meaning.model import DIMS
from store.search.meaning.vectors import Quantised, paper_text, quantise
from store.search.results import PaperView

Vector = tuple[np.ndarray, float]  # one paper's int8 codes and scale


def embedded(views: Iterable[PaperView]) -> dict[int, Vector]:
    """A few papers' vectors, by paper id (a member's changed papers, taken at once: a millisecond each)."""
    from store.search.meaning.model import embed

    views = list(views)
    if not views:
        return {}
    q = quantise(embed([paper_text(v.title, v.topics, v.summary) for v in views]))
    return {v.id: (q.codes[j], float(q.scales[j])) for j, v in enumerate(views)}


def empty(n: int, dims: int = DIMS) -> tuple[Quantised, np.ndarray]:
    return Quantised(np.zeros((n, dims), dtype=np.int8), np.zeros(n, dtype=np.float32)), np.zeros(n, dtype=np.bool_)


def attach(index: Any, meaning: Quantised | None, known: np.ndarray | None, model: str | None) -> None:
    """Set the index's vectors (None, None, None: meaning off)."""
    index.meaning, index.meaning_known, index.meaning_model = meaning, known, model


def fit(index: Any, model: str | None) -> None:
    """An index loaded from a snapshot, made to fit this process: meaning off, none; another model's vectors
    (or none kept), rows of zeros for the embedder to fill from the database."""
    if model is None:
        attach(index, None, None, None)
    elif getattr(index, "meaning", None) is None or getattr(index, "meaning_model", None) != model:
        attach(index, *empty(len(index.papers)), model)


def positions(index: Any, ids: np.ndarray) -> np.ndarray:
    """Each paper's row in the index (-1: not in it, or a row an overlay hides)."""
    ids = np.asarray(ids, dtype=np.int64)
    delta = getattr(index, "delta_papers", None)
    base = index.base if delta is not None else index
    keys = np.asarray(base.papers.ids, dtype=np.int64)
    order = None if bool(np.all(keys[1:] > keys[:-1])) else np.argsort(keys, kind="stable")  # ascending: usual
    keys = keys if order is None else keys[order]
    out = np.full(len(ids), -1, dtype=np.int64)
    if len(keys):
        at = np.minimum(np.searchsorted(keys, ids), len(keys) - 1)
        found = keys[at] == ids
        out[found] = at[found] if order is None else order[at[found]]
    if delta is not None:
        out[np.isin(out, index.hidden)] = -1
        delta_ids = np.fromiter((p.id for p in delta), dtype=np.int64, count=len(delta))
        if len(delta_ids):
            at = np.minimum(np.searchsorted(delta_ids, ids), len(delta_ids) - 1)
            found = delta_ids[at] == ids
            out[found] = index.n_base + at[found]
    return out


def patched(index: Any, rows: np.ndarray, vectors: Quantised) -> Any:
    """A shallow copy of the index whose rows `rows` (-1: skipped) hold `vectors`; the index itself unchanged."""
    keep = rows >= 0
    rows = rows[keep]
    meaning: Quantised = index.meaning
    codes, scales, known = meaning.codes.copy(), meaning.scales.copy(), index.meaning_known.copy()
    codes[rows] = vectors.codes[keep]
    scales[rows] = vectors.scales[keep]
    known[rows] = True
    out = copy.copy(index)
    attach(out, Quantised(codes, scales), known, index.meaning_model)
    return out


def of_delta(index: Any) -> dict[int, Vector]:
    """An overlay's vectors of its changed papers, by paper id (the next overlay keeps them)."""
    delta = getattr(index, "delta_papers", None)
    if delta is None or getattr(index, "meaning", None) is None:
        return {}
    n, known = index.n_base, index.meaning_known
    return {p.id: (index.meaning.codes[n + j], float(index.meaning.scales[n + j]))
            for j, p in enumerate(delta) if known[n + j]}


def overlaid(base: Any, hidden: np.ndarray, delta_ids: Sequence[int], vectors: Mapping[int, Vector]
             ) -> tuple[Quantised, np.ndarray] | None:
    """An overlay's rows: the base's (the hidden ones zero and unknown), then its changed papers' (zeros where
    `vectors` has none). None when the base has no vectors (meaning off)."""
    meaning: Quantised | None = getattr(base, "meaning", None)
    if meaning is None:
        return None
    n = len(meaning)
    codes = np.zeros((n + len(delta_ids), meaning.codes.shape[1]), dtype=np.int8)
    codes[:n] = meaning.codes
    scales = np.zeros(n + len(delta_ids), dtype=np.float32)
    scales[:n] = meaning.scales
    known = np.zeros(n + len(delta_ids), dtype=np.bool_)
    known[:n] = base.meaning_known
    scales[hidden] = 0.0
    known[hidden] = False
    for j, pid in enumerate(delta_ids):
        if (vector := vectors.get(pid)) is not None:
            codes[n + j], scales[n + j], known[n + j] = vector[0], vector[1], True
    return Quantised(codes, scales), known


def carried(old: Any, new: Any, vectors: Mapping[int, Vector]) -> None:
    """A small index rebuilt in memory after a change: its vectors from `vectors` (the changed papers'), else
    from the index it replaces."""
    model = getattr(old, "meaning_model", None)
    if getattr(old, "meaning", None) is None:
        attach(new, None, None, None)
        return
    ids = np.asarray(new.papers.ids, dtype=np.int64)
    meaning, known = empty(len(ids), old.meaning.codes.shape[1])
    at = positions(old, ids)
    had = (at >= 0) & old.meaning_known[np.maximum(at, 0)] if len(at) else np.zeros(0, dtype=np.bool_)
    meaning.codes[had] = old.meaning.codes[at[had]]
    meaning.scales[had] = old.meaning.scales[at[had]]
    known[had] = True
    for row, pid in enumerate(ids.tolist()):
        if (vector := vectors.get(pid)) is not None:
            meaning.codes[row], meaning.scales[row], known[row] = vector[0], vector[1], True
    attach(new, meaning, known, model)
