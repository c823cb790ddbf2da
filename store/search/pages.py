"""A page of hits as `PaperView`s: the catalog's columns read once for the whole page.

`Catalog[i]` reads some twenty values of paper i one by one (each a numpy scalar turned into a Python
one); ten hits made so were a fifth of a /paper query at 100,000 papers. Here each column is indexed once
with the page's positions, and the views are put together from plain lists: the same views
(tests/search/test_pages.py holds them equal to `Catalog[i]`'s).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from store.search.catalog import INCOMPLETE, NO_LINK, NO_VENUE, NO_YEAR, Catalog, Joined, added_at
from store.search.results import PaperView, SummaryView
from store.search.texts import Texts


def views_at(papers: Sequence[PaperView], positions: Sequence[int]) -> list[PaperView]:
    """`[papers[i] for i in positions]`, a catalog's (or a catalog's part of a `Joined`) read column-wise."""
    if isinstance(papers, Joined):
        base = len(papers.base)
        inside = [i for i in positions if 0 <= i < base]
        made = dict(zip(inside, _catalog_views(papers.base, inside), strict=True))
        return [made[i] if i in made else papers[i] for i in positions]
    if isinstance(papers, Catalog):
        return _catalog_views(papers, positions)
    return [papers[i] for i in positions]


def _strings(texts: Texts, at: Sequence[int] | np.ndarray) -> list[str]:
    return [raw.decode("utf-8", "surrogatepass") for raw in texts.raws(at)]


def _spans(lo: list[int], hi: list[int]) -> np.ndarray:
    """The positions lo[k]..hi[k]-1 of every k, one after the other (an array: several columns are indexed with it)."""
    return np.asarray([j for a, b in zip(lo, hi, strict=True) for j in range(a, b)], dtype=np.int64)


def _catalog_views(c: Catalog, positions: Sequence[int]) -> list[PaperView]:
    if not len(positions):
        return []
    n = len(c)
    at = np.asarray(positions, dtype=np.int64)
    if at.min() < -n or at.max() >= n:
        raise IndexError(positions)
    at %= n
    ids, years, added, flags = (column[at].tolist() for column in (c.ids, c.years, c.added, c.flags))
    titles, venues, links = _strings(c.titles, at), _strings(c.venues, at), _strings(c.links, at)
    a_lo, a_hi = c.author_ends[at].tolist(), c.author_ends[at + 1].tolist()
    names = _strings(c.names, _spans(a_lo, a_hi))
    t_lo, t_hi = c.topic_ends[at].tolist(), c.topic_ends[at + 1].tolist()
    topic_ids = c.topic_ids[_spans(t_lo, t_hi)].tolist()
    s_lo, s_hi = c.summary_ends[at].tolist(), c.summary_ends[at + 1].tolist()
    js = _spans(s_lo, s_hi)
    sources, lines, writer_ids = (column[js].tolist() for column in (c.sources, c.lines, c.writer_ids))
    texts = _strings(c.texts, js)
    summaries = [SummaryView(c.name_in("documents", d), line, text, None if w < 0 else c.name_in("writers", w))
                 for d, line, text, w in zip(sources, lines, texts, writer_ids, strict=True)]
    out = []
    a = t = s = 0
    for k, pid in enumerate(ids):
        f = flags[k]
        na, nt, ns = a + a_hi[k] - a_lo[k], t + t_hi[k] - t_lo[k], s + s_hi[k] - s_lo[k]
        out.append(PaperView(
            id=pid, title=titles[k], authors=tuple(names[a:na]),
            venue=None if f & NO_VENUE else venues[k], year=None if f & NO_YEAR else years[k],
            topics=tuple(c.name_in("labels", j) for j in topic_ids[t:nt]),
            link=None if f & NO_LINK else links[k], summaries=tuple(summaries[s:ns]),
            added_at=added_at(added[k], f),
            authors_incomplete=bool(f & INCOMPLETE)))
        a, t, s = na, nt, ns
    return out
