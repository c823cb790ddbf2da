"""Each topic label's papers, for /topic's first tier (moved out of index.py, which builds them once)."""

from __future__ import annotations

import numpy as np

from store.search.catalog import Catalog
from store.search.texts import repeat
from store.text.folding import fold


def topic_papers(catalog: Catalog) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Each folded topic label's papers (a paper once per label it carries, in paper order), and the label shown
    for it (the first met, in paper order).

    The entries are sorted by label once (a stable sort: numpy lets go of the interpreter lock), each label's
    a slice: not `np.unique` (parts of it hold the lock, some tens of ms at a million papers) nor a pass over
    every entry per label."""
    ids = np.asarray(catalog.topic_ids, dtype=np.int64)
    paper = repeat(np.arange(len(catalog), dtype=np.int64), np.diff(catalog.topic_ends))
    labels = list(catalog.labels)
    order = np.argsort(ids, kind="stable")  # the entries by label, each label's in paper order
    by_label = ids[order]
    starts = np.flatnonzero(np.r_[True, by_label[1:] != by_label[:-1]]) if ids.size else np.zeros(0, np.int64)
    bounds = np.r_[starts, ids.size].tolist()
    used, first = by_label[starts], order[starts]  # each label used, and its first entry
    shown: dict[str, str] = {}
    slices: dict[str, list[np.ndarray]] = {}
    for k in np.argsort(first).tolist():  # in order of first use
        label = labels[int(used[k])]
        key = fold(label)
        shown.setdefault(key, label)
        slices.setdefault(key, []).append(order[bounds[k] : bounds[k + 1]])
    return {k: paper[np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]]
            for k, parts in slices.items()}, shown
