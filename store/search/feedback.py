"""/topic's pseudo-relevance feedback (RM3-like): the topic's best papers lend their shared vocabulary to
the papers ranked after the labelled ones, so a paper about the topic in other words is found."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from store.search.bm25 import BM25Matrix, top_k
from store.search.expansion import Query
from store.search.results import PaperView
from store.search.terms import TermTable
from store.text.folding import fold
from store.text.tokenize import analyse, tokenize, words

# Tuned on the development judgments.
PRF_DOCS = 5  # feedback papers: the labelled ones first, then the matches whose title names the topic
PRF_MIN_DOCS = 2  # fewer feedback papers than this: no feedback (one paper's words are not a topic's)
PRF_TERMS = 12  # feedback terms kept
PRF_MAX_DF = 0.1  # a feedback term is in at most this share of the corpus
PRF_WEIGHT = 0.5  # the feedback query's weight against the typed query's
PRF_FLOOR = 0.3  # a paper found by feedback alone needs this share of the best feedback score


def titles_naming(title: BM25Matrix, scores: np.ndarray, q: Query, among: int) -> list[int]:
    """Among the best `among` matches, the papers whose title (`title`: the titles' own BM25) holds the
    query in one of its forms."""
    candidates = top_k(scores, among)
    if not candidates:
        return []
    named = np.zeros(len(candidates), dtype=bool)
    for form in q.forms():
        if form:  # every term of the form in the title: read from the title's own BM25 postings
            named |= np.logical_and.reduce([title.scores_of([t], candidates) > 0 for t in form])
    return [i for i, yes in zip(candidates, named.tolist(), strict=True) if yes]


def feedback_query(combined: BM25Matrix, vocabulary: Mapping[str, int], papers: Sequence[PaperView], seeds: list[int],
                   q: Query) -> tuple[list[tuple[str, float]], dict[str, str]]:
    """(term, weight) of the feedback query, weights summing to 1, and each term's word for "why".

    The feedback papers (`seeds`) are the best labelled ones, then the best matches whose title
    names the topic; each term's weight is its mean share of a feedback paper (term frequency over
    length) times IDF, as in RM3 with equal paper weights. Terms of the query, and terms in more
    than PRF_MAX_DF of the corpus, are left out.
    """
    if len(seeds) < PRF_MIN_DOCS:
        return [], {}
    rows = combined.weights.shape[0]
    df = np.diff(combined.weights.indptr)
    max_df = max(2, int(PRF_MAX_DF * len(papers)))
    skip = set(q.typed).union(*(g.terms for g in q.groups))
    texts = [f"{p.title}\n{' '.join(p.topics)}\n{p.summary}" for p in map(papers.__getitem__, seeds)]
    all_rows, all_shares = [], []
    term_of: dict[int, str] = {}
    for text in texts:
        tf = Counter(tokenize(text))
        terms = list(tf)
        ids = (vocabulary.ids_of(terms, rows) if isinstance(vocabulary, TermTable)
               else np.fromiter((vocabulary.get(t, rows) for t in terms), dtype=np.int64, count=len(terms)))
        counts = np.fromiter(tf.values(), dtype=np.float64, count=len(terms))
        keep = ids < rows
        keep[keep] = (df[ids[keep]] > 1) & (df[ids[keep]] <= max_df)
        kept = np.flatnonzero(keep)
        all_rows.append(ids[kept])
        all_shares.append(counts[kept] / max(1.0, float(counts.sum())))
        term_of.update((int(ids[j]), terms[j]) for j in kept.tolist())
    ids, inverse = np.unique(np.concatenate(all_rows), return_inverse=True)
    weight = np.bincount(inverse, weights=np.concatenate(all_shares), minlength=ids.size) * combined.idf[ids]
    chosen: list[tuple[str, float]] = []
    for j in np.argsort(-weight, kind="stable").tolist():
        t = term_of[int(ids[j])]
        if t not in skip and len(t) > 2 and not t.isdigit():
            chosen.append((t, float(weight[j])))
            if len(chosen) >= PRF_TERMS:
                break
    total = sum(w for _, w in chosen)
    if not chosen or total <= 0:
        return [], {}
    # Each term as a word of the feedback papers, for "why".
    surface: dict[str, str] = {}
    wanted = {t for t, _ in chosen}
    for text in texts:
        for w in words(text):
            for t in wanted.intersection(analyse(w)):
                surface.setdefault(t, fold(w))
        if len(surface) == len(wanted):
            break
    return [(t, w / total) for t, w in chosen], {t: surface.get(t, t) for t, _ in chosen}
