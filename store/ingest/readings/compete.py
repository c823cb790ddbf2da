"""Competing readings of one document: each reader proposes its papers, each proposal is scored for
plausibility, and the most specific plausible one is kept.

The readers are tried from the most specific (a note's fields, front matter) to the least (page shapes,
a lone heading). A reading is kept when it found papers and none of them is implausible; otherwise the
next one has its turn, and when every reading has a flaw the best-scoring one wins. A refused reading
therefore never ends the search for papers: it falls back to the next. Plausibility is what a careful
reader checks: titles that passed the gate, authors that look like people, a venue and year that parse,
a link; and a flaw is a paper no careful reader would take: a title that is the file's own, naming a
paper another reading found inside a longer phrase ("Reading group #14: An Image is Worth 16x16 Words").
`paperbot check --explain` shows the reading chosen, the runner-up and why (`Choice.explain`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from store.ingest.readings.fields.filetitle import names_paper
from store.ingest.readings.fields.people import not_a_person
from store.ingest.readings.gate import refusals
from store.ingest.records import PaperRecord, Parsed

REFUSED_COST = 0.5  # a title the reading proposed and the gate refused: a sign it misread the document


@dataclass(frozen=True, slots=True)
class Reading:
    """One reader's account of a document: its papers and problems, and what it decided block by block."""

    name: str  # "note fields", "front matter", "page shapes", "lone heading"
    parsed: Parsed
    decisions: tuple[str, ...] = ()  # block-level choices ("line 1: '# Paper' is a section, ...")
    writer: str | None = None  # the file's writer this reading knows (a post's author), for whichever wins


@dataclass(frozen=True, slots=True)
class Judged:
    reading: Reading
    score: float
    reasons: tuple[str, ...]  # what made it plausible
    flaws: tuple[str, ...]  # what no careful reader would take
    flawed_titles: frozenset[str] = frozenset()  # the titles the flaws are about

    def describe(self) -> str:
        papers = len(self.reading.parsed.records)
        why = "; ".join(self.reasons) or "nothing plausible"
        return f"{self.reading.name}: {papers} paper(s), score {self.score:.2f} ({why})"


@dataclass(frozen=True, slots=True)
class Choice:
    chosen: Judged
    runner_up: Judged | None
    why: str
    judged: tuple[Judged, ...] = ()  # every reading, in the order tried

    def file_writer(self) -> str | None:
        """The writer a reading passed over for its flaw knew: the lone author of its file-title paper (a
        post's `author:`, an org file's `#+AUTHOR:`) wrote the file, not the paper."""
        for judged in self.judged:
            if judged is self.chosen:
                return None
            flawed = [r for r in judged.reading.parsed.records if r.title in judged.flawed_titles]
            if len(flawed) == 1 and len(flawed[0].authors) == 1:
                return flawed[0].authors[0]
        return None

    def explain(self) -> list[str]:
        """The lines `paperbot check --explain` prints for the document."""
        lines = [f"chosen: {self.chosen.describe()}"]
        lines += [f"  flaw: {flaw}" for flaw in self.chosen.flaws]
        lines += [f"  {decision}" for decision in self.chosen.reading.decisions]
        if self.runner_up is not None:
            lines.append(f"runner-up: {self.runner_up.describe()}")
            lines += [f"  flaw: {flaw}" for flaw in self.runner_up.flaws]
        else:
            lines.append("runner-up: none (no other reading found a paper)")
        lines.append(f"why: {self.why}")
        return lines


def person_share(record: PaperRecord) -> float:
    """The share of the record's authors that look like people (1.0 for none: nothing to doubt)."""
    if not record.authors:
        return 1.0
    return sum(not_a_person(name) is None for name in record.authors) / len(record.authors)


def record_score(record: PaperRecord) -> float:
    """How plausible one paper is: a title past the gate, authors that look like people, venue, year, link."""
    score = 1.0 + (person_share(record) if record.authors else 0.0)
    return score + 0.25 * sum(1 for present in (record.venue, record.year, record.link) if present)


def _reasons(records: Sequence[PaperRecord], refused: int) -> tuple[str, ...]:
    """What counted, summed over the reading's papers."""
    if not records:
        return (f"{refused} title(s) refused by the gate",) if refused else ()
    names = [name for record in records for name in record.authors]
    people = sum(not_a_person(name) is None for name in names)
    counted = [f"{len(records)} title(s) past the gate", f"{people} of {len(names)} author(s) look like people"]
    counted += [f"{name} for {n} of {len(records)}" for name, n in
                (("venue", sum(1 for r in records if r.venue)), ("year", sum(1 for r in records if r.year)),
                 ("link", sum(1 for r in records if r.link))) if n]
    return (*counted, f"{refused} title(s) refused by the gate") if refused else tuple(counted)


def judge(reading: Reading, others: Sequence[Reading]) -> Judged:
    """A reading scored: the sum of its papers' plausibility, less the titles it proposed and the gate
    refused; flawed when one of its titles names another reading's paper inside a longer phrase."""
    records = reading.parsed.records
    refused = refusals(reading.parsed.problems)
    score = sum(record_score(record) for record in records) - REFUSED_COST * refused
    flawed = [(record, paper, other) for record in records for other in others if other is not reading
              for paper in other.parsed.records if names_paper(record.title, paper.title)]
    flaws = [f"{record.title[:60]!r} names {paper.title[:60]!r} ({other.name}) inside a longer phrase: "
             "the file's own title, not a paper" for record, paper, other in flawed]
    return Judged(reading, score, _reasons(records, refused), tuple(dict.fromkeys(flaws)),
                  frozenset(record.title for record, _paper, _other in flawed))


def choose(readings: Sequence[Reading]) -> Choice:
    """The first reading, most specific first, that found papers without a flaw; else the best-scoring."""
    judged = [judge(reading, readings) for reading in readings]
    found = [j for j in judged if j.reading.parsed.records]
    if not found:
        return Choice(judged[0], None, "no reading found a paper", tuple(judged))
    clean = [j for j in found if not j.flaws]
    if clean:
        chosen = clean[0]
        passed = [j.reading.name for j in judged[:judged.index(chosen)]]
        why = (f"the first reading that found papers without a flaw (tried before it: {', '.join(passed)})"
               if passed else "the most specific reading, and it found papers without a flaw")
    else:
        chosen = max(found, key=lambda j: j.score)
        why = "every reading has a flaw: the most plausible is kept"
    rest = [j for j in found if j is not chosen]
    runner_up = max(rest, key=lambda j: j.score) if rest else None
    return Choice(chosen, runner_up, why, tuple(judged))
