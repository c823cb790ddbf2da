"""A query in the field's other spellings: acronyms and long forms, joined and split words.

The documents' BM25 weights never change; a query gains weighted term groups. An acronym typed
("RL") adds each of its long forms ("reinforcement learning"); a long form typed adds its acronym;
two words typed apart ("pre training") add their joined form ("pretrain") when the corpus has it, and
a word with a common prefix typed joined ("pretraining") adds its parts. A group of k terms gives each
term weight WEIGHT / k, so the group counts as at most WEIGHT of one term however many words it has,
and a query typed in full still ranks the papers using its own words first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Mapping
from dataclasses import dataclass, replace
from itertools import pairwise

from store.search.acronyms import Acronym
from store.text.folding import unaccented
from store.text.tokenize import analyse, query_terms, tokenize, words

WEIGHT = 0.6  # an expansion's whole group, against 1.0 for each typed term (tuned on the dev judgments)
# Prefixes a word is written with, with a hyphen or apart ("pre-training", "pre training"). Not "re",
# "under", "inter" and the like: "representation" or "understand" would be split into other words.
PREFIXES = ("pre", "post", "self", "semi", "multi", "non", "auto", "intra", "cross", "meta", "fine", "hyper")


@dataclass(frozen=True, slots=True)
class Group:
    """Terms added to a query together, with what the member typed and what it was read as."""

    terms: tuple[str, ...]
    typed: str  # "RL"
    shown: str  # "reinforcement learning"
    weight: float = WEIGHT


@dataclass(frozen=True, slots=True)
class Query:
    typed: tuple[str, ...]  # the query's own terms, with repeats
    groups: tuple[Group, ...]

    def weighted(self) -> list[tuple[str, float]]:
        """(term, weight) for scoring: typed terms at 1, each group's terms sharing its weight."""
        out = [(t, 1.0) for t in self.typed]
        for g in self.groups:
            out.extend((t, g.weight / len(g.terms)) for t in g.terms)
        return out

    def forms(self) -> list[frozenset[str]]:
        """The query's term sets with each acronym or long form read the other way (topic labels)."""
        base = frozenset(self.typed)
        out = [base]
        for g in self.groups:
            swapped = (base - frozenset(_terms(g.typed))) | frozenset(g.terms)
            if swapped not in out:
                out.append(swapped)
        return out


def _terms(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tokenize(text)))


class Expander:
    """Reads queries against one corpus's acronyms (learned and glossary) and vocabulary."""

    def __init__(self, acronyms: Mapping[str, Acronym], vocabulary: Container[str]) -> None:
        self.acronyms = acronyms
        self.vocabulary = vocabulary
        # A long form's first term -> (its terms, the acronym standing for them): a query looks up its own.
        self.by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for key, entry in acronyms.items():
            for lf in entry.longs:
                if lf.terms:
                    self.by_first.setdefault(lf.terms[0], []).append((lf.terms, key))

    def acronym(self, term: str) -> str | None:
        if term in self.acronyms:
            return term
        if term.endswith("s") and term[:-1] in self.acronyms:  # "cnns" typed in lower case
            return term[:-1]
        return None

    def read(self, text: str) -> Query:
        typed: list[str] = []
        groups: list[Group] = []
        seen: set[tuple[str, ...]] = set()

        def add(group: Group) -> None:
            if group.terms and group.terms not in seen and not set(group.terms) <= set(typed):
                seen.add(group.terms)
                groups.append(group)

        pairs = query_terms(text)
        for _word, ts in pairs:
            for t in ts:
                key = self.acronym(t)
                typed.append(key or t)
        for word, ts in pairs:
            if len(ts) == 1 and (key := self.acronym(ts[0])) is not None:
                for lf in self.acronyms[key].longs:
                    add(Group(lf.terms, word, lf.text, WEIGHT))
        present = set(typed)
        for first in dict.fromkeys(typed):
            for long_terms, key in self.by_first.get(first, ()):
                if key not in present and present.issuperset(long_terms):
                    add(Group((key,), _shown(text, long_terms), self.acronyms[key].short, WEIGHT))
        plain = [unaccented(w) for w in words(text)]
        for a, b in pairwise(plain):  # "pre training" -> "pretrain"
            joined = analyse(a + b)
            if a.isalpha() and b.isalpha() and len(joined) == 1 and joined[0] in self.vocabulary:
                add(Group(joined, f"{a} {b}", a + b, WEIGHT))
        for w in plain:  # "pretraining" -> "pre" "train"
            for p in PREFIXES:
                if w.startswith(p) and len(w) - len(p) >= 4 and w.isalpha():
                    parts = (*analyse(p), *analyse(w[len(p):]))
                    if len(parts) == 2 and all(t in self.vocabulary for t in parts):
                        add(Group(parts, w, f"{p} {w[len(p):]}", WEIGHT))
                    break
        # The expansions of one typed word share WEIGHT: "autoencoder" read as "AE" and as "auto encoder"
        # counts as much as one expansion, never more than the word itself.
        per_word = Counter(g.typed for g in groups)
        groups = [replace(g, weight=g.weight / per_word[g.typed]) for g in groups]
        return Query(tuple(typed), tuple(groups))


def _shown(text: str, long_terms: tuple[str, ...]) -> str:
    """The words of the query that make up a long form, as typed."""
    want = set(long_terms)
    return " ".join(w for w in words(text) if want.intersection(analyse(w))) or " ".join(long_terms)
