"""The overlay (store/search/overlay.py) against a full build of the same papers, for any set of changes.

What must hold, whatever the changes: the same papers answer; a paper scores above zero exactly when it
does in a full build; every score is within the stated factors of the full build's (IDF exact, the mean
field lengths the base's); /paper and /author give the same papers, /topic the same papers among those
its words match (its feedback's extra papers weigh words by the base's frequencies); deleted papers are
never returned.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.ingest import parse_file
from store.library import BUNDLED_SEEDS
from store.search import SearchIndex
from store.search.overlay import OverlayIndex, score_bounds
from store.search.results import PaperView, SummaryView
from store.text.tokenize import tokenize

ADDED = datetime(2026, 1, 1, tzinfo=UTC)


def _seed_views() -> list[PaperView]:
    records = [r for f in sorted(BUNDLED_SEEDS.glob("*.txt")) for r in parse_file(f, f.name).records]
    seen: dict[str, PaperView] = {}
    for r in records:
        if r.title in seen:
            continue
        seen[r.title] = PaperView(id=len(seen) + 1, title=r.title, authors=tuple(r.authors), venue=r.venue,
                                  year=r.year, topics=tuple(dict.fromkeys(r.topics)), link=r.link,
                                  summaries=(SummaryView(r.source, r.line, r.summary),), added_at=ADDED)
    return list(seen.values())


SEEDS = _seed_views()
BASE = SearchIndex.build(SEEDS)
WORDS = sorted({t for p in SEEDS for t in p.title.lower().split() if t.isalpha() and len(t) > 3})[:300]
NAMES = sorted({a for p in SEEDS for a in p.authors})
QUERIES = ["adversarial networks", "policy gradient trust", "generative models", "lottery ticket", "learning",
           "zzyzx quokka", "bengio", "reinforcement learning", "variational inference autoencoder"]

text = st.lists(st.sampled_from([*WORDS, "quokka", "zzyzx", "capybara"]), min_size=1, max_size=40).map(" ".join)
new_paper = st.builds(lambda title, body, authors, topics: (title.title(), body, tuple(authors), tuple(topics)),
                      text, text, st.lists(st.sampled_from([*NAMES, "Quinn Quokka"]), max_size=3, unique=True),
                      st.lists(st.sampled_from(["Machine Learning", "vision", "Quokkas"]), max_size=2, unique=True))


@st.composite
def changes(draw) -> dict[int, PaperView | None]:  # type: ignore[no-untyped-def]
    ids = [p.id for p in SEEDS]
    out: dict[int, PaperView | None] = {}
    for pid in draw(st.lists(st.sampled_from(ids), max_size=8, unique=True)):
        if draw(st.booleans()):
            out[pid] = None
        else:
            old = SEEDS[pid - 1]
            extra = draw(text)
            out[pid] = replace(old, summaries=(*old.summaries, SummaryView("discord:1", 1, extra, "Alice")))
    for j, (title, body, authors, topics) in enumerate(draw(st.lists(new_paper, max_size=5))):
        pid = 10_000 + j
        out[pid] = PaperView(id=pid, title=f"{title} {j}", authors=authors, venue=None, year=2026, topics=topics,
                             link=None, summaries=(SummaryView("discord:2", 1, body, "Bob"),), added_at=ADDED)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes(), changes())
def test_overlay_equals_a_full_build_within_the_stated_bounds(first, second) -> None:  # type: ignore[no-untyped-def]
    overlay = OverlayIndex(OverlayIndex(BASE, first), second)  # stacked: the second replaces the first
    merged = {**first, **second}
    papers = {p.id: p for p in SEEDS}
    for pid, view in merged.items():
        if view is None:
            papers.pop(pid, None)
        else:
            papers[pid] = view
    full = SearchIndex.build([papers[i] for i in sorted(papers)])
    assert [p.id for p in overlay.visible_papers()] == [p.id for p in full.papers] and len(overlay) == len(full)
    position = {p.id: i for i, p in enumerate(overlay.papers) if i not in overlay._hidden_set}
    order = np.asarray([position[p.id] for p in full.papers], dtype=np.int64)
    lo, hi = score_bounds(overlay.base.combined, np.asarray(BASE.combined.avgdl), np.asarray(full.combined.avgdl))
    for query in QUERIES:
        terms = tokenize(query)
        mine, theirs = overlay.combined.scores(terms)[order], full.combined.scores(terms)
        assert np.array_equal(mine > 0, theirs > 0), query
        if (theirs > 0).any():
            ratio = mine[theirs > 0] / theirs[theirs > 0]
            assert lo - 1e-5 <= ratio.min() and ratio.max() <= hi + 1e-5, (query, lo, hi, ratio.min(), ratio.max())
        for kind in ("paper", "topic", "ask"):
            ids = {h.paper.id for h in getattr(overlay, kind)(query, 100).hits}
            assert ids <= set(papers), kind  # never a deleted paper, never a stale copy
            theirs_ids = {h.paper.id for h in getattr(full, kind)(query, 100).hits}
            if kind == "paper" and overlay.read(query).weighted() == full.read(query).weighted():
                # (the query's expansions come from the acronyms the base learnt: a deleted paper's definition
                # of "AE" still counts until the rebuild, so only a query read alike must find the same papers)
                assert ids == theirs_ids, (kind, query)
            elif kind == "topic":  # the feedback's extra papers weigh words by the base's frequencies
                typed = {full.papers[j].id for j in np.flatnonzero(theirs > 0).tolist()}
                assert ids & typed == theirs_ids & typed, (kind, query)
    for name in ("Bengio", "Quinn Quokka", "Goodfellow", "Y. Bengio"):
        assert [h.paper.id for h in overlay.author(name, 50).hits] == [h.paper.id for h in full.author(name, 50).hits]
    assert overlay.topic_counts() == full.topic_counts()
    assert overlay.author_count() == full.author_count()
    for pid in merged:
        assert overlay.get(pid) == papers.get(pid)


def _paper(pid: int, title: str, authors: tuple[str, ...], year: int) -> PaperView:
    return PaperView(id=pid, title=title, authors=authors, venue=None, year=year, topics=(), link=None,
                     summaries=(SummaryView("x.md", pid, "Text."),), added_at=ADDED)


def test_author_puts_full_name_matches_first_and_names_each_person() -> None:
    """"Y. Bengio" is exactly the person written so, and only partly "Yoshua Bengio": the exact match leads
    even though the other paper is newer, and each hit names its own person."""
    papers = [_paper(1, "Older Paper", ("Y. Bengio",), 2010), _paper(2, "Newer Paper", ("Yoshua Bengio",), 2020)]
    full = SearchIndex.build(papers)
    overlay = OverlayIndex(SearchIndex.build(papers[:1]), {2: papers[1]})
    for index in (full, overlay):
        hits = index.author("Y. Bengio", 10).hits
        assert [(h.paper.id, h.why[0].term, h.score) for h in hits] == [(1, "Y. Bengio", 2.0),
                                                                         (2, "Yoshua Bengio", 1.0)]


def test_author_count_counts_each_person_once_as_a_full_build_does() -> None:
    """A new person counts; a known person under another spelling ("Bengio, Yoshua") does not; a person
    whose only paper is deleted no longer counts; stacked or not, the overlay agrees with a full build."""
    papers = [_paper(1, "Deep Paper", ("Yoshua Bengio", "Ian Goodfellow"), 2015),
              _paper(2, "Lone Paper", ("Ada Lovelace",), 2016)]
    base = SearchIndex.build(papers)
    assert base.author_count() == 3
    added = {3: _paper(3, "New Paper", ("Bengio, Yoshua", "Quinn Quokka"), 2026)}
    overlay = OverlayIndex(base, added)
    assert overlay.author_count() == 4 == SearchIndex.build(overlay.visible_papers()).author_count()
    stacked = OverlayIndex(overlay, {2: None})
    assert stacked.author_count() == 3 == SearchIndex.build(stacked.visible_papers()).author_count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes(), st.lists(st.tuples(st.sampled_from([*WORDS[:100], "quokka", "learning"]),
                                     st.sampled_from([1.0, 0.1, 0.15, 2.5, -0.5])), min_size=1, max_size=8))
def test_overlay_scores_are_its_rows_summed_exactly(change, terms) -> None:  # type: ignore[no-untyped-def]
    """The base's papers score as one pass of `np.bincount` over the query's rows, each rescaled to the new
    IDF and weighted, then zero for the papers hidden; the changed papers as one over their own rows: to the
    last bit (every row is added as the base adds its own, bm25.add_row)."""
    matrix = OverlayIndex(BASE, change).combined
    w, rows = matrix.base.weights, matrix.base.weights.shape[0]
    spans = [(slice(w.indptr[i], w.indptr[i + 1]), matrix.scale[i] * x) for t, x in terms
             if (i := matrix.vocabulary.get(t)) is not None and i < rows]
    expected = np.zeros(matrix.base.n_docs)
    if spans:
        expected = np.bincount(np.concatenate([w.indices[s] for s, _ in spans]),
                               weights=np.concatenate([w.data[s].astype(np.float64) * x for s, x in spans]),
                               minlength=matrix.base.n_docs).astype(np.float64)
    if matrix.keep is not None:
        expected *= matrix.keep
    d = matrix.delta
    delta_spans = [(slice(d.indptr[i], d.indptr[i + 1]), x) for t, x in terms
                   if (i := matrix.vocabulary.get(t)) is not None]
    if delta_spans:  # the changed papers: their own rows, weighted
        expected = np.concatenate([expected, np.bincount(
            np.concatenate([d.indices[s] for s, _ in delta_spans]),
            weights=np.concatenate([d.data[s].astype(np.float64) * x for s, x in delta_spans]),
            minlength=d.shape[1]).astype(np.float64)])
    else:
        expected = np.concatenate([expected, np.zeros(d.shape[1])])
    got = matrix.weighted_scores(terms)
    assert np.array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))
