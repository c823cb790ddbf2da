"""Why a hit matched: the query words found in each field of the paper, the expansions found whole, and
(/topic) the words of the topic's own papers found.

Every field of the paper is tokenised and its terms looked up: some 25 µs a hit at 100,000 papers, the
summary most of it (tokenising is mostly cached dictionary look-ups by then). Deciding from the
index's postings instead did not pay: they say whether a paper holds a term, not in which field, and the
query's words are mostly in the title too, so the summary had to be tokenised for three hits in four
even after looking for the term's letters in it first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from store.search.expansion import Query
from store.search.results import Match, PaperView
from store.text.tokenize import tokenize_parts

FIELDS = ("title", "topics", "authors", "summary")  # the order matches are listed in (FIELD_WEIGHTS')
WhyTerms = list[tuple[str, tuple[str, ...]]]  # each query word as typed, and its terms in index form


def field_text(p: PaperView, field: str) -> str:
    if field == "title":
        return p.title
    if field == "topics":
        return " ".join(p.topics)
    if field == "authors":
        return " ".join(p.authors)
    return p.summary


def matches(present: Sequence[set[str]], terms: WhyTerms, q: Query | None,
            related: Mapping[str, str] | None = None) -> tuple[Match, ...]:
    """The matches of one paper, from the terms `present` in each of FIELDS (sets)."""
    out: list[Match] = []
    seen_related: set[str] = set()
    for field, held in zip(FIELDS, present, strict=True):
        out.extend(Match(word, field) for word, ts in terms if not held.isdisjoint(ts))
        if q is not None:
            out.extend(Match(g.shown, field, via=g.typed) for g in q.groups if held.issuperset(g.terms))
        if related:
            for t in held.intersection(related).difference(seen_related):
                seen_related.add(t)
                out.append(Match(related[t], field, related=True))
    return tuple(out)


def explain(paper: PaperView, terms: WhyTerms, q: Query | None = None, related: Mapping[str, str] | None = None,
            summary_terms: set[str] | None = None) -> tuple[Match, ...]:
    """Every field tokenised (`summary_terms`: the summary's terms, when known already), in one call: the
    fields joined by line breaks, then cut at them (`tokenize_parts`; a line break is never inside a word)."""
    texts = [field_text(paper, field) for field in (FIELDS if summary_terms is None else FIELDS[:-1])]
    spans, at = [], 0
    for text in texts:
        spans.append((at, at + len(text)))
        at += len(text) + 1
    present = [set(ts) for ts in tokenize_parts("\n".join(texts), spans)]
    return matches(present if summary_terms is None else [*present, summary_terms], terms, q, related)
