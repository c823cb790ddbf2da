"""A built index plus the papers changed since: searchable at once, without rebuilding 100,000 papers.

A member's saved summary changes one paper. A full build reads every word of the corpus again (seconds
at 100,000 papers); an `OverlayIndex` instead keeps the built index (the *base*) as it is, hides the
base's copy of every changed or deleted paper (a mask over its scores), and appends the changed papers'
new versions as a small *delta* scored with the same statistics. It answers every query a
`SearchIndex` answers, and is replaced by a full build in the background (store.search.live).

How close it is to a full build of the same papers, exactly:

- IDF is exact: the document frequency of every term is the base's, minus the hidden papers', plus the
  delta's, over the new number of papers; the base's precomputed weights are rescaled per query term by
  new IDF / old IDF (the weight is IDF times a factor that does not depend on the IDF).
- The mean field lengths (avgdl) stay the base's, for the base's papers and the delta's alike. In
  BM25F a paper's weight for a term grows with avgdl between 1 and avgdl/avgdl' times, so every score
  of the overlay is within the factors [min(1, r), max(1, r)] of the full build's, where r runs over
  the four fields' base avgdl / new avgdl (`score_bounds`). One paper in 100,000 moves them by about
  1e-5; tests/search/test_overlay.py checks the bound on every paper's score.
- /ask's mean sentence length (an even sample), the autocomplete of names, the acronyms learnt from the
  summaries, and the document frequencies /topic's feedback weighs its words by are the base's.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence

import numpy as np
from scipy import sparse

from store.search.bm25 import K1, B, BM25Matrix, add_row, idf_weights
from store.search.catalog import Joined, Picked
from store.search.index import FIELD_WEIGHTS, SearchIndex
from store.search.meaning import rows
from store.search.people import People, Person, author_hits
from store.search.results import PaperView, SearchResult
from store.search.why import field_text
from store.text.folding import fold
from store.text.tokenize import tokenize

_FIELDS = list(FIELD_WEIGHTS)
_TITLE = _FIELDS.index("title")


def supports(index: SearchIndex) -> bool:
    """An index built before matrices kept their mean field lengths cannot take an overlay."""
    return (not isinstance(index, OverlayIndex) and getattr(index.combined, "avgdl", None) is not None
            and getattr(index.title, "avgdl", None) is not None)


class _Vocabulary(Mapping[str, int]):
    """The base's vocabulary (shared, never written) plus the delta's new terms."""

    def __init__(self, base: Mapping[str, int], extra: dict[str, int]) -> None:
        self.base, self.extra = base, extra

    def __getitem__(self, term: str) -> int:
        found = self.base.get(term)
        return self.extra[term] if found is None else found

    def get(self, term: str, default=None):  # type: ignore[no-untyped-def,override]
        found = self.base.get(term)
        return self.extra.get(term, default) if found is None else found

    def __iter__(self) -> Iterator[str]:
        yield from self.base
        yield from self.extra

    def __len__(self) -> int:
        return len(self.base) + len(self.extra)


class _OverlayMatrix:
    """Scores of the base's papers (rescaled to the new IDF, hidden ones zero) then the delta's."""

    def __init__(self, base: BM25Matrix, scale: np.ndarray, keep: np.ndarray | None, delta: sparse.csr_matrix,
                 idf: np.ndarray, vocabulary: _Vocabulary) -> None:
        self.base, self.scale, self.keep, self.delta = base, scale, keep, delta
        self.idf = idf
        self.vocabulary = vocabulary
        self.n_docs = base.n_docs + delta.shape[1]

    @property
    def weights(self) -> sparse.csr_matrix:
        """The base's weights (what /topic's feedback reads its document frequencies from)."""
        return self.base.weights

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        return self.weighted_scores([(t, 1.0) for t in terms])

    def weighted_scores(self, terms: Sequence[tuple[str, float]]) -> np.ndarray:
        picked = [(i, x) for t, x in terms if (i := self.vocabulary.get(t)) is not None and x]
        w = self.base.weights
        base = np.zeros(self.base.n_docs, dtype=np.float64)
        for i, x in picked:  # the base's rows rescaled, added as the base adds them (bm25.add_row)
            if i < w.shape[0] and (lo := int(w.indptr[i])) < (hi := int(w.indptr[i + 1])):
                add_row(base, w.indices[lo:hi], w.data[lo:hi], self.scale[i] * x)
        if self.keep is not None:
            base *= self.keep
        d = self.delta
        delta = np.zeros(d.shape[1], dtype=np.float64)
        for i, x in picked:
            if (lo := int(d.indptr[i])) < (hi := int(d.indptr[i + 1])):
                add_row(delta, d.indices[lo:hi], d.data[lo:hi], x)
        return np.concatenate([base, delta])

    def scores_of(self, terms: Sequence[str], docs: Sequence[int]) -> np.ndarray:
        return self.scores(terms)[np.asarray(docs, dtype=np.int64)]


def _field_counts(papers: Sequence[PaperView], vocabulary: _Vocabulary, extra: dict[str, int],
                  grow: bool) -> list[list[dict[int, int]]]:
    """Per paper, per field: term id -> occurrences (new terms join `extra` when `grow`)."""
    out = []
    for p in papers:
        fields = []
        for f in _FIELDS:
            counts: dict[int, int] = {}
            for t in tokenize(field_text(p, f)):
                i = vocabulary.get(t)
                if i is None:
                    if not grow:
                        continue
                    i = extra[t] = len(vocabulary)
                counts[i] = counts.get(i, 0) + 1
            fields.append(counts)
        out.append(fields)
    return out


def _df(counts: list[list[dict[int, int]]], fields: Sequence[int], n_terms: int) -> np.ndarray:
    df = np.zeros(n_terms, dtype=np.float64)
    for paper in counts:
        present = set().union(*(paper[f] for f in fields))
        if present:
            np.add.at(df, np.fromiter(present, dtype=np.int64, count=len(present)), 1.0)
    return df


def _delta_weights(counts: list[list[dict[int, int]]], fields: Sequence[int], weights: Sequence[float],
                   avgdl: np.ndarray, idf: np.ndarray, n_terms: int) -> sparse.csr_matrix:
    """BM25F weights of the delta papers, as bm25.BM25Matrix.from_fields computes them, with the base's
    mean field lengths and the new IDF."""
    rows, cols, vals = [], [], []
    for doc, paper in enumerate(counts):
        tf: dict[int, float] = {}
        for f, wf, mean in zip(fields, weights, avgdl, strict=True):
            length = sum(paper[f].values())
            scale = wf / (1 - B + B * length / mean)
            for term, n in paper[f].items():
                tf[term] = tf.get(term, 0.0) + n * scale
        for term, x in tf.items():
            rows.append(term)
            cols.append(doc)
            vals.append(idf[term] * x * (K1 + 1) / (x + K1))
    return sparse.csr_matrix((np.asarray(vals, dtype=np.float64), (rows, cols)), shape=(n_terms, len(counts)))


def _new_idf(base: BM25Matrix, hidden_df: np.ndarray, delta_df: np.ndarray, n_docs: int) -> np.ndarray:
    n_terms = delta_df.size
    df = np.zeros(n_terms, dtype=np.float64)
    base_df = np.diff(base.weights.indptr).astype(np.float64)
    df[: base_df.size] = base_df
    df -= hidden_df
    df += delta_df
    return idf_weights(df, max(n_docs, 0))


def score_bounds(base: BM25Matrix, old_avgdl: np.ndarray, new_avgdl: np.ndarray) -> tuple[float, float]:
    """The factors an overlay's score lies within, relative to a full build (see the module docstring)."""
    ratios = np.asarray(old_avgdl, dtype=np.float64) / np.asarray(new_avgdl, dtype=np.float64)
    return min(1.0, float(ratios.min())), max(1.0, float(ratios.max()))


class OverlayIndex(SearchIndex):
    """`base` with the papers in `changes` replaced (id -> new view) or removed (id -> None)."""

    def __init__(self, base: SearchIndex, changes: Mapping[int, PaperView | None],
                 vectors: Mapping[int, rows.Vector] | None = None) -> None:
        """`vectors`: the changed papers' meaning vectors (store/search/meaning/rows.py), when meaning is on."""
        vectors = dict(vectors or {})
        if isinstance(base, OverlayIndex):  # stack on the built index, never on another overlay
            vectors = {**{k: v for k, v in rows.of_delta(base).items() if k not in changes}, **vectors}
            changes = {**base.changes, **changes}
            base = base.base
        self.base = base
        self.changes = dict(changes)
        n_base = len(base.papers)
        hidden = sorted(pos for pid in self.changes if (pos := _base_position(base, pid)) is not None)
        self.hidden = np.asarray(hidden, dtype=np.int64)
        keep = np.ones(n_base, dtype=np.float64)
        keep[self.hidden] = 0.0
        delta = sorted((v for v in self.changes.values() if v is not None), key=lambda p: p.id)
        self.delta_papers = tuple(delta)
        self.papers = Joined(base.papers, self.delta_papers)  # type: ignore[assignment]
        self.n_base = n_base
        self._visible = n_base - len(hidden) + len(delta)

        extra: dict[str, int] = {}
        self.vocabulary = vocabulary = _Vocabulary(base.vocabulary, extra)
        hidden_counts = _field_counts([base.papers[i] for i in hidden], vocabulary, extra, grow=False)
        delta_counts = _field_counts(delta, vocabulary, extra, grow=True)
        n_terms = len(vocabulary)
        n_docs = self._visible
        matrices = {}
        for name, fields, weights in (("combined", range(len(_FIELDS)), list(FIELD_WEIGHTS.values())),
                                      ("title", [_TITLE], [1.0])):
            matrix: BM25Matrix = getattr(base, name)
            idf = _new_idf(matrix, _df(hidden_counts, fields, n_terms), _df(delta_counts, fields, n_terms), n_docs)
            old = np.ones(n_terms, dtype=np.float64)
            old[: matrix.idf.size] = matrix.idf
            scale = idf[: matrix.weights.shape[0]] / old[: matrix.weights.shape[0]]
            assert matrix.avgdl is not None
            weights_delta = _delta_weights(delta_counts, list(fields), weights, np.asarray(matrix.avgdl).ravel(),
                                           idf, n_terms)
            matrices[name] = _OverlayMatrix(matrix, scale, keep if hidden else None, weights_delta,
                                            idf.astype(np.float32), vocabulary)
        self.combined = matrices["combined"]  # type: ignore[assignment]
        self.title = matrices["title"]  # type: ignore[assignment]
        self.sentence_avgdl = base.sentence_avgdl

        # /author: the base's people (hidden papers skipped) and the delta's, in one newest-first order.
        self._recency = self._merged_recency(base, delta)
        self._delta_people = People(delta, order=self._recency[n_base:] - self._recency[n_base:].min()
                                    if delta else None)
        self._hidden_set = frozenset(hidden)

        # /topic: the base's label lists without the hidden papers, plus the delta's.
        topic_papers = {k: v[~np.isin(v, self.hidden)] if hidden else v for k, v in base.topic_papers.items()}
        labels = dict(base.topic_labels)
        terms = dict(base.topic_terms)
        added: dict[str, list[int]] = {}
        for j, p in enumerate(delta):
            for label in p.topics:
                key = fold(label)
                labels.setdefault(key, label)
                added.setdefault(key, []).append(n_base + j)
                if key not in terms:
                    terms[key] = frozenset(tokenize(label))
        for key, positions in added.items():
            known = topic_papers.get(key, np.zeros(0, dtype=np.int64))
            topic_papers[key] = np.concatenate([known, np.asarray(sorted(set(positions)), dtype=np.int64)])
        topic_papers = {k: v for k, v in topic_papers.items() if v.size}
        self.topic_papers = topic_papers
        self.topic_labels = {k: v for k, v in labels.items() if k in topic_papers}
        self.topic_terms = {k: v for k, v in terms.items() if k in topic_papers}
        self._topics_ranked = sorted(self.topic_labels.items(),
                                     key=lambda kv: (-len(self.topic_papers[kv[0]]), kv[1]))
        self.people = base.people  # for anything reading it directly; /author below merges the delta's
        # Acronyms and their long forms: the base's (a definition in a new summary counts from the rebuild).
        self.acronyms = base.acronyms
        self.glossary_fingerprint = base.glossary_fingerprint
        self.topic_alternates = {k: base.topic_alternates.get(k) or self._alternates(self.topic_terms[k])
                                 for k in self.topic_labels}
        meaning = rows.overlaid(base, self.hidden, [p.id for p in delta], vectors)
        rows.attach(self, *(meaning or (None, None)), base.meaning_model if meaning else None)

    @staticmethod
    def _merged_recency(base: SearchIndex, delta: Sequence[PaperView]) -> np.ndarray:
        """Newest-first ranks over base and delta papers: the base's order, with the delta slotted in."""
        n_base, n_delta = len(base.papers), len(delta)
        keys = _RecencyKeys(base)
        spread = n_delta + 1
        ranks = np.empty(n_base + n_delta, dtype=np.int64)
        ranks[:n_base] = base._recency.astype(np.int64) * spread + n_delta
        slots = sorted(((bisect.bisect_left(keys, (-(p.year or 0), p.title)), (-(p.year or 0), p.title), j)
                        for j, p in enumerate(delta)))
        for k, (at, _key, j) in enumerate(slots):
            ranks[n_base + j] = at * spread + k % spread
        return ranks

    def __len__(self) -> int:
        return self._visible

    def visible_papers(self) -> Sequence[PaperView]:
        """Every paper the overlay answers from, in id order (each made when read)."""
        kept = np.ones(self.n_base, dtype=bool)
        kept[self.hidden] = False
        positions = np.concatenate([np.flatnonzero(kept), np.arange(len(self.delta_papers)) + self.n_base])
        ids = np.concatenate([self.base.papers.ids[kept], [p.id for p in self.delta_papers]]).astype(np.int64)
        return Picked(self.papers, positions[np.argsort(ids, kind="stable")])

    def get(self, paper_id: int) -> PaperView | None:
        if paper_id in self.changes:
            return self.changes[paper_id]
        return self.base.get(paper_id)

    def _visible_titles(self) -> Iterable[str]:
        hidden = self._hidden_set
        yield from (t for i, t in enumerate(self.base.papers.titles) if i not in hidden)
        yield from (p.title for p in self.delta_papers)

    def author(self, query: str, limit: int = 10) -> SearchResult:
        if not fold(query).strip(" .,-"):
            return self.base.author(query, limit)
        n_base, hidden, recency = self.n_base, self._hidden_set, self._recency
        matched = [(person, exact, 0) for person, exact in self.base.people.match(query)]
        matched += [(person, exact, n_base) for person, exact in self._delta_people.match(query)]
        streams = [_stream(person, exact, offset, recency, hidden) for person, exact, offset in matched]
        hits = author_hits(self.papers, streams, limit)
        if hits:
            return SearchResult(hits)
        suggestions = [*self.base.people.suggest(query), *self._delta_people.suggest(query)]
        return SearchResult(suggestions=list(dict.fromkeys(suggestions))[:5])

    def complete_author(self, prefix: str, limit: int = 25) -> list[str]:
        names = [*self._delta_people.complete(prefix, limit), *self.base.people.complete(prefix, limit)]
        return list(dict.fromkeys(names))[:limit]

    def author_count(self) -> int:
        """The people of the visible papers, as a full build would count them: the base's people with a
        paper not hidden, and the delta's, each person key once."""
        hidden = self._hidden_set
        keys = {p.key for p in self.base.people.people if any(pos not in hidden for pos in p.papers)}
        keys.update(p.key for p in self._delta_people.people)
        return len(keys)


def _stream(person: Person, exact: bool, offset: int, recency: np.ndarray, hidden: frozenset[int]
            ) -> Iterator[tuple[bool, int, int, str]]:
    """One person's papers, newest first, as /author merges them (a function: each stream binds its own
    person, not the comprehension's last one)."""
    for pos in person.papers.tolist():
        if pos + offset not in hidden:
            yield not exact, int(recency[pos + offset]), pos + offset, person.name


def _base_position(base: SearchIndex, paper_id: int) -> int | None:
    return base.papers.position(paper_id)


class _RecencyKeys(Sequence[tuple[int, str]]):
    """(-year, title) of the base's papers, newest first, read from its columns as a bisection asks."""

    def __init__(self, base: SearchIndex) -> None:
        self.papers = base.papers
        self.order = np.argsort(base._recency, kind="stable")

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, k):  # type: ignore[no-untyped-def,override]
        i = int(self.order[k])
        return -int(self.papers.years[i]), self.papers.title(i)
