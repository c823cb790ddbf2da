"""The search index the bot and the command line query: built once, immutable, swapped whole.

/paper combines BM25 over four fields, so a word in the title counts more than the same word deep in a
summary; /topic puts papers carrying the topic label first, then the same fielded score with
pseudo-relevance feedback from the topic's own papers; /ask finds the papers first, then ranks their
sentences; /author is exact name matching (people.py). Queries are read with the corpus's acronyms and
a glossary (expansion.py): "RL" also finds "reinforcement learning", at a lower weight. Every hit says
which query words matched in which field, and through which expansion. With `meaning` set, /topic mixes in
what papers are about, /paper's ties go by it, and `similar` finds papers like one (meaning/ranking.py).

Building reads every word of the corpus once: each field is laid out as term ids at array speed
(layout.py), a batch of papers at a time, and the fields become sparse BM25 matrices (bm25_batched.py,
as bm25.py defines them). The papers themselves are a `Catalog` (catalog.py): columns, not objects; a
loop over every paper reads the columns, and a `PaperView` is made only for a paper shown.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Sequence
from functools import partial
from itertools import chain

import numpy as np

from store.search import heap
from store.search.acronyms import Glossary, learn, load_glossary, merge
from store.search.bm25 import K1, B, top_k
from store.search.catalog import Catalog
from store.search.expansion import Expander, Query
from store.search.feedback import PRF_DOCS, PRF_FLOOR, PRF_WEIGHT, feedback_query, titles_naming
from store.search.fields import LaidOut, lay_out
from store.search.labels import topic_papers as _topic_papers
from store.search.meaning import ranking
from store.search.meaning.vectors import Quantised
from store.search.pages import views_at
from store.search.people import People, author_hits, newest_first
from store.search.results import Hit, Match, PaperView, SearchResult
from store.search.sentences import MAX_CHARS, split_sentences
from store.search.texts import sorted_order, utf8
from store.search.titles import TitleFinder, holding, phrase_of
from store.search.why import FIELDS, explain, explain_shown, wanted
from store.text.folding import fold
from store.text.tokenize import query_terms, tokenize, tokenize_parts, words

FIELD_WEIGHTS = dict(zip(FIELDS, (2.0, 1.0, 0.5, 1.0), strict=True))  # title, topics, authors, summary
# The matrices an index holds, each (its fields, their weights): all four (/paper, /topic, /ask), the title's own.
MATRICES = ((tuple(range(len(FIELD_WEIGHTS))), tuple(FIELD_WEIGHTS.values())),
            ((list(FIELD_WEIGHTS).index("title"),), (1.0,)))
PHRASE_BONUS = 1.0  # the query typed verbatim inside a title: a title fragment, the strongest signal
RERANK = 50  # candidates checked for the phrase bonus, and for a title naming the topic
ASK_PAPERS = 16  # /ask reads the sentences of this many best-matching papers
ASK_PAPER_WEIGHT = 0.1  # how much the paper's own score lifts its sentences
_RUN = re.compile(rb"[a-z0-9]+")  # the runs of a phrase every ASCII title holding it holds (titles.holding)
NO_WORDS = ("That query has no words to search for (only punctuation or very common words). "
            "Try words from a title, an author's name or a topic.")


def _field_texts(catalog: Catalog, start: int, stop: int) -> list[str]:
    """The field texts of papers start..stop-1, paper after paper, read from the catalog's columns."""
    columns = (catalog.titles.span(start, stop), catalog.topics_joined(start, stop),
               catalog.authors_joined(start, stop), list(catalog.summaries(start, stop)))
    return [text for fields in zip(*columns, strict=True) for text in fields]


class SearchIndex:
    # Meaning (issue 28; meaning/ranking.py): int8 vectors, one row per catalog position, and which rows are real
    # vectors yet. None: meaning is off, and every ranking is BM25's alone.
    meaning: Quantised | None = None
    meaning_known: np.ndarray | None = None
    meaning_model: str | None = None  # the fingerprint the vectors were made with (meaning/rows.py)

    def __init__(self, papers: Sequence[PaperView], glossary: Glossary | None = None,
                 laid_out: LaidOut | None = None) -> None:
        """`laid_out`: the catalog's fields laid out already, as it was read (a full build's layout process,
        layout_process.py); when it cannot give them, the catalog is laid out here."""
        catalog = self.papers = papers if isinstance(papers, Catalog) else Catalog.of(papers)
        n = len(catalog)
        glossary = load_glossary() if glossary is None else glossary
        # The corpus's own acronym definitions ("reinforcement learning (RL)"), then the glossary's.
        self.acronyms = merge(learn(f"{t}.\n\n{s}" for t, s in zip(catalog.titles, catalog.summaries(), strict=True)),
                              glossary.entries)
        self.glossary_fingerprint = glossary.fingerprint
        self.sentence_avgdl = self._sentence_length()
        by_title = np.argsort(sorted_order(catalog.titles))  # /author: newest first, then by title (numpy: no GIL)
        years = np.asarray(catalog.years, dtype=np.int64)  # no year is 0: it sorts as 0; newest first, then by title
        self._recency = np.argsort(np.lexsort((by_title, -years))).astype(np.int64)
        heap.give_back()
        self.people = People.from_bylines(iter(catalog.names), np.diff(catalog.author_ends), order=self._recency)
        self.topic_papers, self.topic_labels = _topic_papers(catalog)
        labels = self.topic_labels
        self.topic_terms = {k: frozenset(tokenize(v)) for k, v in labels.items()}
        self._topics_ranked = sorted(labels.items(), key=lambda kv: (-len(self.topic_papers[kv[0]]), kv[1]))
        self.topic_alternates = {k: self._alternates(self.topic_terms[k]) for k in labels}
        # Every paper's fields in FIELD_WEIGHTS order, paper after paper, a batch of papers at a time; one
        # BM25F matrix over the four fields answers /paper, /topic and /ask, and the title's own BM25 is
        # kept beside it for the verbatim-title bonus (MATRICES). Last: a layout process builds them meanwhile.
        laid = laid_out.finish() if laid_out is not None else None
        if laid is not None and all(m.n_docs == n for m in laid[0]):
            (self.combined, self.title), self.vocabulary = laid
            return
        fields, self.vocabulary = lay_out(n, partial(_field_texts, catalog), len(FIELD_WEIGHTS))
        try:
            self.combined, self.title = (fields.matrix(f, w, self.vocabulary) for f, w in MATRICES)
        finally:
            fields.close()

    def _alternates(self, terms: frozenset[str]) -> tuple[str, ...]:
        """A topic label's other names: its acronym ("Reinforcement Learning": "rl") or long forms."""
        out: list[str] = []
        for key, entry in self.acronyms.items():
            if key in terms:
                out.extend(fold(lf.text) for lf in entry.longs)
            elif any(lf.terms and terms.issuperset(lf.terms) for lf in entry.longs):
                out.append(fold(entry.short))
        return tuple(dict.fromkeys(out))

    @classmethod
    def build(cls, papers: Sequence[PaperView], glossary: Glossary | None = None,
              laid_out: LaidOut | None = None) -> SearchIndex:
        return cls(papers, glossary, laid_out)

    def __len__(self) -> int:
        return len(self.papers)

    def get(self, paper_id: int) -> PaperView | None:
        pos = self.papers.position(paper_id)
        return None if pos is None else self.papers[pos]

    def _lazy(self, name: str, make):  # type: ignore[no-untyped-def]
        """A look-up table built on first use: most are needed rarely, and memory is the bot's budget."""
        value = self.__dict__.get(name)
        if value is None:
            value = self.__dict__[name] = make()
        return value

    @property
    def _titles(self) -> TitleFinder:
        return self._lazy("_folded_titles", lambda: TitleFinder(self._visible_titles()))

    def _visible_titles(self) -> Iterable[str]:
        return self.papers.titles

    def _sentence_length(self, sample: int = 500) -> float:
        """Mean terms per quotable sentence, from an even sample of the summaries."""
        step = max(1, len(self.papers) // sample)
        lengths = []
        for i in range(0, len(self.papers), step):
            summary = self.papers.summary(i)
            quotable = [s for s in split_sentences(summary) if s.quotable]
            lengths.extend(map(len, tokenize_parts(summary, [(s.start, s.end) for s in quotable])))
        return float(np.mean(lengths)) if lengths else 1.0

    # --- explanations ---

    @property
    def _expander(self) -> Expander:
        return self._lazy("_query_expander", lambda: Expander(self.acronyms, self.vocabulary))

    def read(self, query: str) -> Query:
        """The query's own terms and its expansions (acronyms, long forms, joined and split words)."""
        return self._expander.read(query)

    def _scores(self, q: Query) -> np.ndarray:
        return self.combined.weighted_scores(q.weighted()) if q.groups else self.combined.scores(q.typed)

    def _why(self, paper: PaperView, query: str, summary_terms: set[str] | None = None, q: Query | None = None,
             related: dict[str, str] | None = None) -> tuple[Match, ...]:
        """The query words found in each field (`summary_terms`: the summary's terms, when known already),
        the expansions found whole, and (/topic) the feedback words found (`related`: term -> word)."""
        return explain(paper, self._why_terms(query), q, related, summary_terms)

    def _hits(self, ranked: Sequence[tuple[float, int]], query: str, q: Query,
              related: dict[str, str] | None = None, lifted: Collection[int] = ()) -> list[Hit]:
        """(score, position) as hits, each saying why (without feedback words, from less: see why.py); the
        positions `lifted` were placed by meaning."""
        views = views_at(self.papers, [i for _, i in ranked])
        if related:
            return [Hit(p, s, self._why(p, query, q=q, related=related), meaning=i in lifted)
                    for p, (s, i) in zip(views, ranked, strict=True)]
        look_for = wanted(terms := self._why_terms(query), q)
        return [Hit(p, s, explain_shown(p, terms, q, look_for), meaning=i in lifted)
                for p, (s, i) in zip(views, ranked, strict=True)]

    def _why_terms(self, query: str) -> list[tuple[str, tuple[str, ...]]]:
        """Each query word and its terms, acronyms in index form (`_why`'s); kept for the query's next hit."""
        if (last := self.__dict__.get("_last_why_terms")) is not None and last[0] == query:
            return last[1]
        terms = [(word, tuple(self._expander.acronym(t) or t for t in ts)) for word, ts in query_terms(query)]
        self.__dict__["_last_why_terms"] = (query, terms)
        return terms

    def _verbatim(self, phrase: str, candidates: list[int]) -> list[int]:
        """The candidates whose title holds `phrase` (a `phrase_of`) verbatim, in the candidates' order."""
        p = self.papers
        raws = p.titles.raws(candidates) if isinstance(p, Catalog) else [utf8(p.title(i)) for i in candidates]
        if runs := _RUN.findall(phrase.encode()):  # an ASCII title lacking the longest is passed over here
            kept = [k for k, raw in enumerate(raws) if max(runs, key=len) in raw.lower() or not raw.isascii()]
            candidates, raws = [candidates[k] for k in kept], [raws[k] for k in kept]
        return [i for i, held in zip(candidates, holding(phrase, raws), strict=True) if held]

    def _no_words(self, query: str) -> SearchResult | None:
        if not query_terms(query):
            return SearchResult(note=NO_WORDS)
        return None

    # --- /paper ---

    def paper(self, query: str, limit: int = 10) -> SearchResult:
        if (empty := self._no_words(query)) is not None:
            return empty
        q = self.read(query)
        terms = list(q.typed)
        scores = self._scores(q)
        phrase = phrase_of(query)
        candidates = top_k(scores, max(limit, RERANK))
        ranked = list(zip(scores[candidates].tolist(), candidates, strict=True))  # top_k's order: best first
        if verbatim := self._verbatim(phrase, candidates):  # titles holding the query verbatim: their BM25 as a bonus
            bonus = dict(zip(verbatim, (PHRASE_BONUS * self.title.scores_of(terms, verbatim)).tolist(), strict=True))
            ranked = sorted(((s + bonus.get(i, 0.0), i) for s, i in ranked), key=lambda si: (-si[0], si[1]))
        lifted: set[int] = set()
        if self.meaning is not None:  # meaning only orders equal scores
            ranked, lifted = ranking.tie_break(self, query, q, ranked, limit)
        if hits := self._hits(ranked[:limit], query, q, lifted=lifted):
            return SearchResult(hits)
        return SearchResult(suggestions=self._suggest_titles(query))

    def _suggest_titles(self, query: str, n: int = 5) -> list[str]:
        """Titles close to the query, or titles matching the query with its words respelt."""
        q = fold(query)
        titles = self._titles
        pool = titles.starting(q[:1])  # one initial letter: bounded work at any size
        close = [titles.title(t) for t in difflib.get_close_matches(q, pool, n=n, cutoff=0.5)]
        respelt = []
        for word in q.split():
            m = difflib.get_close_matches(word, titles.words_starting(word[:1]), n=1, cutoff=0.75)
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
        # Each person's papers are stored newest first; merging the streams (full-name matches before
        # surname-only ones) reads only as far as the page needs, however prolific the surname.
        recency = self._recency
        streams = [newest_first(person, exact, recency) for person, exact in matched]
        return SearchResult(author_hits(self.papers, streams, limit))

    def complete_author(self, prefix: str, limit: int = 25) -> list[str]:
        return self.people.complete(prefix, limit)

    def author_count(self) -> int:
        """How many distinct people /author knows (one per person key: "Bengio, Yoshua" is "Yoshua Bengio")."""
        return len(self.people.people)

    # --- /topic ---

    def _labels_for(self, q: Query) -> list[str]:
        """Topic labels the query names, in any of its forms ("RL" names "Reinforcement Learning")."""
        forms = [f for f in q.forms() if f]
        return [k for k, terms in self.topic_terms.items()
                if terms and any(f <= terms or terms <= f for f in forms)]

    def topic(self, query: str, limit: int = 10) -> SearchResult:
        """Papers carrying the topic's label first, then papers whose title names the topic (in any of
        the query's forms: "RL" or "reinforcement learning"), then the best other matches; each tier
        in score order.

        Below the labelled papers, pseudo-relevance feedback: the words of the topic's best papers (the
        labelled ones, then the ones whose title names it) are a second query, added to the typed one,
        so a paper about the topic in other words is found. It never moves a labelled paper.
        """
        if (empty := self._no_words(query)) is not None:
            return empty
        q = self.read(query)
        scores = self._scores(q)
        depth = limit if self.meaning is None else max(limit, ranking.DEPTH)  # meaning mixes in at depth
        tiers: list[list[tuple[int, float]]] = []
        members = np.zeros(0, dtype=np.int64)
        if keys := self._labels_for(q):  # papers carrying the label come first, in score order
            members = (self.topic_papers[keys[0]] if len(keys) == 1
                       else np.unique(np.concatenate([self.topic_papers[k] for k in keys])))
            tiers.append([(int(members[j]), float(scores[members[j]])) for j in top_k(scores[members] + 1.0, depth)])
        related: dict[str, str] = {}
        left = depth - sum(map(len, tiers))
        if left > 0:  # then the other matches
            labelled = [i for i, _ in tiers[0]] if tiers else []
            scores[members] = 0.0
            named = titles_naming(self.title, scores, q, RERANK)
            seeds = labelled[:PRF_DOCS] + named[: max(0, PRF_DOCS - len(labelled))]
            feedback, related = feedback_query(self.combined, self.vocabulary, self.papers, seeds, q)
            if feedback:
                extra = self.combined.weighted_scores(feedback)
                extra[members] = 0.0
                # A paper the typed words do not find needs a clear share of the feedback's best.
                extra[(scores <= 0) & (extra < PRF_FLOOR * float(extra.max(initial=0.0)))] = 0.0
                scores = scores + PRF_WEIGHT * extra
            named.sort(key=lambda i: (-scores[i], i))
            tiers.append([(i, float(scores[i])) for i in named[:left]])
            scores[named] = 0.0
            left -= len(tiers[-1])
            tiers.append([(i, float(scores[i])) for i in top_k(scores, left)] if left > 0 else [])
        # Shown scores keep the order: each tier lifted above the ones after it.
        ranked: list[tuple[int, float]] = []
        floor = 0.0
        for tier in reversed(tiers):
            lifted = [(i, s + floor) for i, s in tier]
            ranked = lifted + ranked
            floor = max((s for _, s in lifted), default=floor) + 1.0
        shown, lifted = [(score, i) for i, score in ranked], set()
        if self.meaning is not None:
            shown, lifted = ranking.topic(self, query, q, shown, len(tiers[0]) if keys else 0, members, limit)
        if hits := self._hits(shown, query, q, related, lifted):
            return SearchResult(hits)
        close = difflib.get_close_matches(fold(query), list(self.topic_labels), n=5, cutoff=0.5)
        return SearchResult(suggestions=[self.topic_labels[c] for c in close])

    def complete_topic(self, prefix: str, limit: int = 25) -> list[str]:
        """Topic labels a prefix begins, in the label or in its other name ("RL" offers "Reinforcement
        Learning", "reinf" and "reinforcement learning" offer "RL")."""
        key = fold(prefix).strip()
        out: list[str] = []
        for k, label in self._topics_ranked:
            names = (k, *self.topic_alternates.get(k, ()))
            if any(n.startswith(key) or any(w.startswith(key) for w in words(n)) for n in names):
                out.append(label)
                if len(out) >= limit:
                    break
        return out

    def topic_counts(self) -> list[tuple[str, int]]:
        return [(label, len(self.topic_papers[k])) for k, label in self._topics_ranked]

    # --- papers like this one (meaning/ranking.py) ---

    def similar(self, paper_id: int, limit: int = 5, among: Collection[int] | None = None) -> SearchResult:
        """The papers closest in meaning to paper `paper_id`, never itself (`among`: only these paper ids)."""
        return ranking.similar(self, paper_id, limit, among)

    def similar_text(self, text: str, limit: int = 5, among: Collection[int] | None = None) -> SearchResult:
        return ranking.similar_text(self, text, limit, among)

    # --- /ask ---

    def ask(self, query: str, limit: int = 5) -> SearchResult:
        """The sentences that best answer the question, one per paper.

        The papers come first (BM25F); their sentences are then scored with BM25 as passages: the
        corpus's IDF, each sentence's length against the corpus's mean sentence length.
        """
        if (empty := self._no_words(query)) is not None:
            return empty
        q = self.read(query)
        terms = list(q.typed)
        paper_scores = self._scores(q)
        combined = self.combined
        idf = {t: float(combined.idf[i]) for t in set(terms) if (i := self.vocabulary.get(t)) is not None
               and i < combined.idf.size}
        scored = [t for t in terms if t in idf]
        best: list[tuple[float, int, str]] = []
        summary_tokens: dict[int, list[list[str]]] = {}  # the sentences' terms are the summary's: for "why"
        for pos in top_k(paper_scores, max(limit * 3, ASK_PAPERS)):
            top: tuple[float, str] | None = None
            summary = self.papers.summary(pos)
            sentences = split_sentences(summary)
            parts = summary_tokens[pos] = tokenize_parts(summary, [(s.start, s.end) for s in sentences])
            for sentence, tokens in zip(sentences, parts, strict=True):
                if sentence.quotable and (score := self._passage_score(tokens, scored, idf)) > 0 and (
                        top is None or score > top[0]):
                    top = (score, sentence.text)
            if top is not None:
                best.append((top[0] + ASK_PAPER_WEIGHT * float(paper_scores[pos]), pos, top[1]))
        best.sort(key=lambda e: (-e[0], e[1]))
        shown = best[:limit]
        hits = [Hit(p, score, self._why(p, query, set(chain.from_iterable(summary_tokens[pos])), q=q),
                    passage=sentence[:MAX_CHARS])
                for p, (score, pos, sentence) in zip(views_at(self.papers, [e[1] for e in shown]), shown, strict=True)]
        if hits:
            return SearchResult(hits)
        return SearchResult(suggestions=self._suggest_titles(query))

    def _passage_score(self, tokens: list[str], terms: list[str], idf: dict[str, float]) -> float:
        """BM25 of one sentence; `terms` are the query's terms the corpus knows (each has an IDF)."""
        norm = K1 * (1 - B + B * len(tokens) / self.sentence_avgdl)
        score = 0.0
        for t in terms:
            if tf := tokens.count(t):
                score += idf[t] * tf * (K1 + 1) / (tf + norm)
        return score
