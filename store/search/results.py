"""What searches return: plain, immutable views of papers, independent of the database session."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from store.ingest.records import DISCORD_ROOT


@dataclass(frozen=True, slots=True)
class SummaryView:
    source: str  # document name, relative to the corpus folder ("discord:<id>" for a member's own)
    line: int
    text: str
    writer: str | None = None  # who wrote it: a member's display name, or the writer a file names

    @property
    def from_discord(self) -> bool:
        return self.source.startswith(DISCORD_ROOT)

    @property
    def where(self) -> str:
        return "Discord" if self.from_discord else f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True)
class PaperView:
    id: int
    title: str
    authors: tuple[str, ...]
    venue: str | None
    year: int | None
    topics: tuple[str, ...]
    link: str | None
    summaries: tuple[SummaryView, ...]
    added_at: datetime
    authors_incomplete: bool = False  # the source cut the author list short ("et al."): the names shown are exact

    @property
    def writer(self) -> str | None:
        """Who wrote the summaries, when the notes say ("A" or "A, B")."""
        return ", ".join(self.writers) or None

    @property
    def summary(self) -> str:
        return "\n\n".join(s.text for s in self.summaries if s.text)

    @property
    def source(self) -> str:
        return "; ".join(s.where for s in self.summaries)

    @property
    def writers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.writer for s in self.summaries if s.writer))


@dataclass(frozen=True, slots=True)
class Match:
    """A query term found in a field of a paper: the answer to "why did this match?"."""

    term: str
    field: str  # "title", "authors", "topics", "summary"
    via: str | None = None  # the query word this term was read from: "RL" for "reinforcement learning"
    related: bool = False  # /topic: a word of the topic's own papers, not of the query

    def shown(self) -> str:
        return f"{self.via} → {self.term}" if self.via else self.term


# "Why it matched" for a hit meaning placed (`Hit.meaning`: words alone, meaning off, would not show it in the
# first `limit`; every "papers like this one" hit): with no word matched, or beside the words matched.
MEANING_ONLY = "by meaning: close in sense, not by shared words"
MEANING_LIFTED = "lifted by meaning: close in sense, the words alone rank it lower"


@dataclass(frozen=True, slots=True)
class Hit:
    paper: PaperView
    score: float
    why: tuple[Match, ...] = ()
    passage: str | None = None  # /ask: the sentence that answers
    meaning: bool = False  # placed by meaning, not by the words: see MEANING_ONLY and MEANING_LIFTED

    def why_text(self) -> str:
        by_field: dict[str, list[str]] = {}
        related: list[str] = []
        for m in self.why:
            terms = related if m.related else by_field.setdefault(m.field, [])
            if m.shown() not in terms:
                terms.append(m.shown())
        parts = [f"{f}: {', '.join(ts)}" for f, ts in by_field.items() if ts]
        if related:
            parts.append(f"like the topic's papers: {', '.join(related)}")
        if self.meaning:
            parts.append(MEANING_LIFTED if parts else MEANING_ONLY)
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        p = self.paper
        out: dict[str, Any] = {
            "id": p.id,
            "title": p.title,
            "authors": list(p.authors),
            "authors_incomplete": p.authors_incomplete,
            "writer": p.writer,
            "venue": p.venue,
            "year": p.year,
            "topics": list(p.topics),
            "link": p.link,
            "source": p.source,
            "writers": list(p.writers),
            "summary": p.summary,
            "score": round(float(self.score), 6),
            "why": self.why_text(),
            "matches": [{"term": m.term, "field": m.field}
                        | ({"via": m.via} if m.via else {}) | ({"related": True} if m.related else {})
                        for m in self.why],
        }
        if self.passage is not None:
            out["passage"] = self.passage
        if self.meaning:  # only then: with meaning off, every answer is today's, byte for byte
            out["meaning"] = True
        return out


@dataclass(slots=True)
class SearchResult:
    """Hits, plus what to tell the member when there are none."""

    hits: list[Hit] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)  # close spellings of names or titles
    note: str | None = None  # e.g. "the query has no searchable words"
