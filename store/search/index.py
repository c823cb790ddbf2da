"""The search index the bot and the command line query: built once, immutable, swapped whole.

/paper combines BM25 over four fields, so a word in the title counts more than the same word deep in a
summary; /topic puts papers carrying the topic label first, then text matches; /ask ranks sentences;
/author is exact name matching (people.py). Every hit says which query words matched in which field.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from store.names import fold
from store.results import Hit, Match, PaperView, SearchResult
from store.search.bm25 import BM25Matrix, top_k
from store.search.people import People
from store.search.sentences import sentences
from store.tokenize import query_terms, tokenize, words

FIELD_WEIGHTS = {"title": 3.0, "topics": 1.0, "authors": 0.5, "summary": 1.0}
PHRASE_BONUS = 0.5  # the query typed verbatim inside a title: a title fragment, the strongest signal
RERANK = 50  # candidates checked for the phrase bonus
NO_WORDS = ("That query has no words to search for (only punctuation or very common words). "
            "Try words from a title, an author's name or a topic.")


def _field_text(p: PaperView, field: str) -> str:
    if field == "title":
        return p.title
    if field == "topics":
        return " ".join(p.topics)
    if field == "authors":
        return " ".join(p.authors)
    return p.summary


class SearchIndex:
    def __init__(self, papers: Sequence[PaperView]) -> None:
        self.papers: tuple[PaperView, ...] = tuple(papers)
        self._pos = {p.id: i for i, p in enumerate(self.papers)}
        vocab: dict[str, int] = {}
        tokens = {f: [tokenize(_field_text(p, f)) for p in self.papers] for f in FIELD_WEIGHTS}
        self.fields = {f: BM25Matrix.from_tokens(tokens[f], vocab) for f in FIELD_WEIGHTS}
        # Title, topics and summary together, for /topic and /ask: the field tokens reused, not re-tokenised.
        self.text = BM25Matrix.from_tokens(
            [t + k + s for t, k, s in zip(tokens["title"], tokens["topics"], tokens["summary"], strict=True)], vocab)
        del tokens
        sent_text: list[str] = []
        sent_owner: list[int] = []
        for i, p in enumerate(self.papers):
            for s in sentences(p.summary):
                sent_text.append(s)
                sent_owner.append(i)
        self.sentence_text = sent_text
        self.sentence_owner = np.asarray(sent_owner, dtype=np.int64)
        self.sentences = BM25Matrix.from_tokens([tokenize(s) for s in sent_text], vocab)
        self.people = People(self.papers)
        topic_papers: dict[str, list[int]] = defaultdict(list)
        labels: dict[str, str] = {}
        for i, p in enumerate(self.papers):
            for label in p.topics:
                key = fold(label)
                labels.setdefault(key, label)
                topic_papers[key].append(i)
        self.topic_labels = labels
        self.topic_papers = dict(topic_papers)
        self.topic_arrays = {k: np.asarray(v, dtype=np.int64) for k, v in topic_papers.items()}
        self.topic_terms = {k: frozenset(tokenize(v)) for k, v in labels.items()}
        self._titles = {fold(p.title): p.title for p in self.papers}
        self._title_words = [f" {' '.join(fold(w) for w in words(p.title))} " for p in self.papers]

    @classmethod
    def build(cls, papers: Sequence[PaperView]) -> SearchIndex:
        return cls(papers)

    def __len__(self) -> int:
        return len(self.papers)

    def get(self, paper_id: int) -> PaperView | None:
        pos = self._pos.get(paper_id)
        return None if pos is None else self.papers[pos]

    # --- explanations ---

    def _why(self, paper: PaperView, query: str) -> tuple[Match, ...]:
        terms = query_terms(query)
        out: list[Match] = []
        for field in FIELD_WEIGHTS:
            present = set(tokenize(_field_text(paper, field)))
            out.extend(Match(word, field) for word, ts in terms if present.intersection(ts))
        return tuple(out)

    def _no_words(self, query: str) -> SearchResult | None:
        if not query_terms(query):
            return SearchResult(note=NO_WORDS)
        return None

    # --- /paper ---

    def paper(self, query: str, limit: int = 10) -> SearchResult:
        if (empty := self._no_words(query)) is not None:
            return empty
        terms = tokenize(query)
        scores = np.zeros(len(self.papers))
        title = self.fields["title"].scores(terms)
        for field, weight in FIELD_WEIGHTS.items():
            scores += weight * (title if field == "title" else self.fields[field].scores(terms))
        phrase = f" {' '.join(fold(w) for w in words(query))} "
        ranked = []
        for i in top_k(scores, max(limit, RERANK)):
            verbatim = phrase.strip() and phrase in self._title_words[i]
            bonus = PHRASE_BONUS * FIELD_WEIGHTS["title"] * title[i] if verbatim else 0.0
            ranked.append((float(scores[i]) + bonus, i))
        ranked.sort(key=lambda si: (-si[0], si[1]))
        hits = [Hit(self.papers[i], score, self._why(self.papers[i], query)) for score, i in ranked[:limit]]
        if hits:
            return SearchResult(hits)
        return SearchResult(suggestions=self._suggest_titles(query))

    def _suggest_titles(self, query: str, n: int = 5) -> list[str]:
        """Titles close to the query, or titles matching the query with its words respelt."""
        q = fold(query)
        close = [self._titles[t] for t in difflib.get_close_matches(q, list(self._titles), n=n, cutoff=0.5)]
        vocabulary = {w for t in self._titles for w in t.split()}
        respelt = []
        for word in q.split():
            m = difflib.get_close_matches(word, list(vocabulary), n=1, cutoff=0.75)
            respelt.append(m[0] if m else word)
        if respelt != q.split():
            result = self.paper(" ".join(respelt), n) if query_terms(" ".join(respelt)) else SearchResult()
            close.extend(h.paper.title for h in result.hits)
        return list(dict.fromkeys(close))[:n]

    # --- /author ---

    def author(self, query: str, limit: int = 10) -> SearchResult:
        if not fold(query).strip(" .,-"):
            return SearchResult(note="Give a name: a surname (Bengio), a full name (Yoshua Bengio) or "
                                     "initials (Y. Bengio).")
        matched = self.people.match(query)
        if not matched:
            return SearchResult(suggestions=self.people.suggest(query))
        ranked: dict[int, tuple[bool, PaperView, str]] = {}
        for person, exact in matched:
            for pos in person.papers:
                if pos not in ranked or (exact and not ranked[pos][0]):
                    ranked[pos] = (exact, self.papers[pos], person.name)
        order = sorted(ranked.values(), key=lambda e: (not e[0], -(e[1].year or 0), e[1].title))
        hits = [Hit(p, 2.0 if exact else 1.0, (Match(name, "authors"),)) for exact, p, name in order[:limit]]
        return SearchResult(hits)

    def complete_author(self, prefix: str, limit: int = 25) -> list[str]:
        return self.people.complete(prefix, limit)

    # --- /topic ---

    def _labels_for(self, query: str) -> list[str]:
        q = frozenset(tokenize(query))
        if not q:
            return []
        return [k for k, terms in self.topic_terms.items() if terms and (q <= terms or terms <= q)]

    def topic(self, query: str, limit: int = 10) -> SearchResult:
        if (empty := self._no_words(query)) is not None:
            return empty
        scores = self.text.scores(tokenize(query))
        ranking = scores.copy()
        keys = self._labels_for(query)
        if keys:  # papers carrying the label come first, in text-score order
            labelled = np.unique(np.concatenate([self.topic_arrays[k] for k in keys]))
            ranking[labelled] += float(scores.max(initial=0.0)) + 1.0  # above every text-only match
        hits = [Hit(self.papers[i], float(ranking[i]), self._why(self.papers[i], query))
                for i in top_k(ranking, limit)]
        if hits:
            return SearchResult(hits)
        close = difflib.get_close_matches(fold(query), list(self.topic_labels), n=5, cutoff=0.5)
        return SearchResult(suggestions=[self.topic_labels[c] for c in close])

    def complete_topic(self, prefix: str, limit: int = 25) -> list[str]:
        key = fold(prefix).strip()
        ranked = sorted(self.topic_labels.items(), key=lambda kv: (-len(self.topic_papers[kv[0]]), kv[1]))
        starts = [label for k, label in ranked if k.startswith(key) or any(w.startswith(key) for w in k.split())]
        return starts[:limit]

    def topic_counts(self) -> list[tuple[str, int]]:
        return sorted(((label, len(self.topic_papers[k])) for k, label in self.topic_labels.items()),
                      key=lambda lc: (-lc[1], lc[0]))

    # --- /ask ---

    def ask(self, query: str, limit: int = 5) -> SearchResult:
        if (empty := self._no_words(query)) is not None:
            return empty
        terms = tokenize(query)
        sent_scores = self.sentences.scores(terms)
        paper_scores = self.text.scores(terms)
        best: dict[int, tuple[float, int]] = {}
        for s in top_k(sent_scores, max(limit * 8, 40)):
            owner = int(self.sentence_owner[s])
            score = float(sent_scores[s]) + 0.3 * float(paper_scores[owner])
            if owner not in best or score > best[owner][0]:
                best[owner] = (score, s)
        order = sorted(best.items(), key=lambda kv: -kv[1][0])[:limit]
        hits = [Hit(self.papers[o], sc, self._why(self.papers[o], query), passage=self.sentence_text[s])
                for o, (sc, s) in order]
        if hits:
            return SearchResult(hits)
        return SearchResult(suggestions=self._suggest_titles(query))
