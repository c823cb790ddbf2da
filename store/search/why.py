"""Why a hit matched: the query words found in each field of the paper, the expansions found whole, and
(/topic) the words of the topic's own papers found.

`explain` tokenises every field and looks its terms up. Tokenising each shown hit's summary (some 950
characters) was a third of a /paper query, and most query words are in the title and not in the summary,
which only tokenising all of it could tell. `explain_shown` answers the same for the query's own terms
from less: every word that yields a term holds the term's `key` (its letters less the few the stemmer
may have written), so a summary without the key yields no such word; where the key is, the chunks
around it are tokenised, not the summary (tests/search/test_why.py holds the two to the same answers).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import accumulate

from store.search.expansion import Query
from store.search.results import Match, PaperView
from store.text.tokenize import WHOLE_SPELLINGS, american, analyse, tokenize, tokenize_parts

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


_match = lru_cache(maxsize=4096)(Match)  # (immutable: one made for every hit of a query that matches so)


def matches(present: Sequence[set[str]], terms: WhyTerms, q: Query | None,
            related: Mapping[str, str] | None = None) -> tuple[Match, ...]:
    """The matches of one paper, from the terms `present` in each of FIELDS (sets; without `related`, only
    the terms of `wanted(terms, q)` need be right in them)."""
    out: list[Match] = []
    seen_related: set[str] = set()
    groups = () if q is None else q.groups
    for field, held in zip(FIELDS, present, strict=True):
        if held:  # (most papers match in a field or two: an empty one holds no query word)
            for word, ts in terms:
                if not held.isdisjoint(ts):
                    out.append(_match(word, field))
        for g in groups:
            if held.issuperset(g.terms):
                out.append(_match(g.shown, field, g.typed))
        if related:  # in the feedback's order (its most telling word first): a set's order changes between runs
            for t in related:
                if t in held and t not in seen_related:
                    seen_related.add(t)
                    out.append(_match(related[t], field, None, True))
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


def wanted(terms: WhyTerms, q: Query | None) -> tuple[str, ...]:
    """The terms `matches` looks for, without feedback words: the query words' and the expansions'."""
    out = dict.fromkeys(t for _, ts in terms for t in ts)
    if q is not None:
        out.update(dict.fromkeys(t for g in q.groups for t in g.terms))
    return tuple(out)


def explain_shown(paper: PaperView, terms: WhyTerms, q: Query | None, look_for: Sequence[str]) -> tuple[Match, ...]:
    """`explain(paper, terms, q)` (no feedback words), each field only searched for `look_for`
    (`wanted(terms, q)`): see `find`. A field with other than ASCII characters (where a key's letters may
    be accented) is tokenised."""
    present: list[set[str]] = [set() for _ in FIELDS]
    texts = []
    for field, held in zip(FIELDS, present, strict=True):
        text = field_text(paper, field)
        if not text.isascii():
            held.update(tokenize(text))
            text = ""
        texts.append(text)
    text = _BETWEEN.join(texts)
    starts, at = [], 0
    for field in texts:
        starts.append(at)
        at += len(field) + len(_BETWEEN)
    lower = text.lower()
    # The pieces joined are `squeezed`, and the k-th character taken out was at taken[k] + k, taken[k] the first
    # k + 1 pieces' length (a regex search for those characters took 40% of a hit's time).
    pieces = _cut(lower)
    squeezed = "".join(pieces) if len(pieces) > 1 else lower
    taken: list[int] | None = [] if len(pieces) == 1 else None  # None: not worked out yet
    for term in look_for:
        if (k := key(term)) in squeezed:
            if taken is None:  # where squeezed positions move to in `lower`: see find
                taken = list(accumulate(map(len, pieces[:-1])))
            if not find(term, k, text, lower, squeezed, taken, starts, present):
                return explain(paper, terms, q)
    return matches(present, terms, q)


# --- a term looked for in a text without tokenising the text ---

# Where a term's letters may differ from the word's. Snowball writes letters only at a stem's end, from
# its rewritten suffixes: an "e" ("-ation" -> "-ate", "hoping" -> "hope"), an "i" ("happy" -> "happi"),
# "le" ("-bility" -> "-ble", then "-bl"), "ie" ("dying" -> "die"), "y" ("skies" -> "sky"); nothing else,
# and nothing before them. The British spellings written the American way (store.text.tokenize.american)
# change letters inside: "-ise"/"-yse" -> "-ize"/"-yze" (a "z" the word lacks), "colour" -> "color" (the
# "u" dropped), "catalogued" -> "catalogd" (the "ue" dropped), and a few whole words ("manoeuvre" ->
# "maneuver"); `american` itself says where.
_WRITTEN = {"ble": 2, "ie": 2, "e": 1, "i": 1, "bl": 1, "y": 1}  # a stem's end: how many of its letters may be written
_SKIPPED = "-',"  # characters inside a word that its terms lose ("out-of-distribution", "10,000", "don't")
_BETWEEN = " \n "  # between the fields: a span from a space to a space is within one
MIN_KEY = 2  # a shorter key (one letter: "q" of "Q-learning") is looked for with a regex, at word starts only
TRIES = 16  # places of a key looked at before the text is tokenised whole


def _cut(text: str) -> list[str]:
    """`text` cut at _SKIPPED's characters (each made the first, then split at it: faster than a regex)."""
    for c in _SKIPPED[1:]:
        text = text.replace(c, _SKIPPED[0])
    return text.split(_SKIPPED[0])


def _shared(a: str, b: str) -> int:
    """How many letters `a` and `b` begin with alike."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _respelt() -> dict[str, int]:
    """The whole words spelt anew: how many letters each one's terms share with the word."""
    out: dict[str, int] = {}
    for word in WHOLE_SPELLINGS:
        for term in analyse(word):
            out[term] = min(out.get(term, len(term)), _shared(term, word))
    return out


_RESPELT = _respelt()


@lru_cache(maxsize=4096)
def key(term: str) -> str:
    """Letters every word that yields `term` holds, in this order, lower case, with nothing between them
    but characters of _SKIPPED: a text lacking them yields no such word."""
    written = next((n for end, n in _WRITTEN.items() if term.endswith(end)), 0)
    cut = min(len(term) - written, _RESPELT.get(term, len(term)))
    at = term.find("z")
    while 0 <= at < cut:  # "realiz" may be "realis(e)"
        if american(f"{term[:at]}se") != f"{term[:at]}se":
            cut = at
        at = term.find("z", at + 1)
    # "color" may be "colour" ("o" kept), "catalogd" "catalogued" ("og" kept)
    for inside, british, kept in (("or", "our", 1), ("og", "ogue", 2)):
        at = term.find(inside)
        while 0 <= at < cut:
            if american(f"{term[:at]}{british}") != f"{term[:at]}{british}":
                cut = min(cut, at + kept)
            at = term.find(inside, at + 1)
    return term[: max(0, cut)]


def places(k: str, lower: str, squeezed: str, taken: Sequence[int]) -> Iterator[int]:
    """Where in `lower` a word yielding a term keyed `k` may begin (see `find`). A term begins where a word
    does, or a part of a hyphenated one (tokenize's words: a run of letters and digits after anything else),
    so a place with a letter or digit before it is passed over. A key of one letter is looked for in
    `lower` at such places only; a longer one in `squeezed`, where it may run across a taken character."""
    if len(k) < MIN_KEY:
        yield from (m.start() for m in re.finditer(f"(?<![a-z0-9]){re.escape(k)}", lower))
        return
    j = squeezed.find(k)
    while j >= 0:
        at = j + bisect.bisect_right(taken, j)
        if at == 0 or not lower[at - 1].isalnum():
            yield at
        j = squeezed.find(k, j + 1)


@lru_cache(maxsize=1 << 14)
def _word_terms(chunk: str) -> tuple[str, ...]:
    """`tokenize(chunk)` of a text between two spaces (a word, with its punctuation): the same words are
    looked at hit after hit ("learning,", "models"), and a look-up is a tenth of tokenising one."""
    return tuple(tokenize(chunk))


def find(term: str, k: str, text: str, lower: str, squeezed: str, taken: Sequence[int], starts: Sequence[int],
         present: list[set[str]]) -> bool:
    """Adds `term` to `present[f]` for each field f of `text` (the fields joined by _BETWEEN, field f from
    `starts[f]`) that yields it; False: the term's key `k` is empty, or in too many places, to tell so.

    `lower` is the text in lower case, `squeezed` that without the characters of _SKIPPED, which were at
    `taken[i] + i` in `lower`: position j of `squeezed` is j + bisect_right(taken, j) of `lower`. A field yields
    the term only where the key is at a word's start (`places`): the text from the space before it to the
    space after it (whole chunks, tokenize's units, within one field: _SKIPPED holds no space) is tokenised there.
    """
    if not k:
        return False
    seen, last = 0, -1
    for at in places(k, lower, squeezed, taken):
        field = bisect.bisect_right(starts, at) - 1
        start = lower.rfind(" ", 0, at) + 1
        if start != last and term not in present[field]:
            if seen >= TRIES:
                return False
            seen, last = seen + 1, start
            end = lower.find(" ", at)
            if term in _word_terms(text[start : None if end < 0 else end]):
                present[field].add(term)
    return True
