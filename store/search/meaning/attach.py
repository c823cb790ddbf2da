"""An index's meaning filled by embedding its catalog here and now: for tests, small corpora and the console.

A served index gets its vectors from the database and the snapshot instead (the background embedder keeps
them, so embedding never sits in an ingest or a build: some 1,500 papers a second). Rows are catalog
positions, in the index's own order; a row the index does not show (an overlay's hidden base copy of a
changed paper) is left a zero row, not known.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from store.search.catalog import Catalog
from store.search.meaning import model
from store.search.meaning.ranking import SearchIndex
from store.search.meaning.vectors import Quantised, paper_text, quantise
from store.search.results import PaperView

BATCH = 2_048  # papers' texts made and embedded at a time: bounds the texts held at once


def texts(papers: Sequence[PaperView], start: int, stop: int) -> list[str]:
    """`paper_text` of papers start..stop-1, read from a catalog's columns when it is one."""
    if isinstance(papers, Catalog):
        return [paper_text(papers.title(i), papers.topics(i), papers.summary(i)) for i in range(start, stop)]
    return [paper_text(p.title, p.topics, p.summary) for p in (papers[i] for i in range(start, stop))]


def embed_all(index: SearchIndex) -> None:
    """Set `index.meaning` (int8, one row per catalog position) and `index.meaning_known` by embedding every
    paper with the process's model (raises `model.MeaningUnavailable` when the package is missing)."""
    papers = index.papers
    n = len(papers)
    codes = np.zeros((n, model.model().dims), dtype=np.int8)
    scales = np.zeros(n, dtype=np.float32)
    for start in range(0, n, BATCH):  # quantised a batch at a time: no float32 copy of the whole
        stop = min(n, start + BATCH)
        part = quantise(model.embed(texts(papers, start, stop)))
        codes[start:stop], scales[start:stop] = part.codes, part.scales
    hidden = getattr(index, "hidden", None)  # an overlay's base rows it no longer shows
    if hidden is not None and len(hidden):
        codes[hidden], scales[hidden] = 0, 0.0
    index.meaning, index.meaning_known = Quantised(codes, scales), scales > 0  # no tokens: no vector
