"""Plain-text answers for the terminal: the same results the bot shows as embeds, with nothing in them that a
terminal would act on (bot.untrusted.for_terminal: a note's title or file name cannot rewrite the screen)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot import commands as registry
from bot.commands import Face
from bot.similar import Likeness, why_none
from bot.untrusted import for_terminal, for_terminal_line
from store.ingest.report import IngestReport, problem_line
from store.search.results import Hit, PaperView, SearchResult

if TYPE_CHECKING:
    from store.summaries.service import Stats

EXTRACT_CHARS = 280


def clip(text: str, limit: int) -> str:
    """Cut at a word boundary and mark the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:.") + "…"


def byline(paper: PaperView) -> str:
    parts = [(", ".join(paper.authors) + (" et al." if paper.authors_incomplete else "")) or "authors unknown"]
    where = " ".join(str(x) for x in (paper.venue, paper.year) if x)
    if where:
        parts.append(where)
    if paper.topics:
        parts.append(", ".join(paper.topics))
    if paper.writer:
        parts.append(f"summary by {paper.writer}")
    return " · ".join(parts)


def render_hit(position: int, hit: Hit, width: int = 100) -> str:
    p = hit.paper
    lines = [f"{position}. {for_terminal_line(p.title)}", f"   {for_terminal_line(byline(p))}"]
    if hit.passage:
        lines.append(textwrap.fill(f"“{clip(hit.passage, 500)}”", width, initial_indent="   ",
                                   subsequent_indent="   "))
    elif p.summary:
        lines.append(textwrap.fill(clip(p.summary, EXTRACT_CHARS), width, initial_indent="   ",
                                   subsequent_indent="   "))
    if why := hit.why_text():  # words matched, or "by meaning"
        lines.append(f"   why: {why}")
    if p.link:
        lines.append(f"   link: {p.link}")
    lines.append(f"   source: {for_terminal_line(p.source)}")
    return for_terminal("\n".join(lines))


def sought(command: str) -> str:
    """What a search command looks for, in "No ... matches": /ask finds passages, the others what they name."""
    return "passage" if command == "ask" else command


def render_result(result: SearchResult, query: str, what: str = "paper") -> str:
    if result.hits:
        return "\n\n".join(render_hit(i, h) for i, h in enumerate(result.hits, 1))
    lines = [result.note or f"No {what} matches “{for_terminal_line(query)}”."]
    if result.suggestions:
        lines.append("Did you mean: " + "; ".join(result.suggestions) + "?")
    return for_terminal("\n".join(lines))


def render_likeness(likeness: Likeness, query: str) -> str:
    """`paperbot similar` and the console's /similar: which paper, then the papers like it (or why none)."""
    if likeness.paper is None:
        return render_result(likeness.result, query)
    head = f"Papers like “{for_terminal_line(likeness.paper.title)}”"
    if not likeness.result.hits:
        return for_terminal(f"{head}: {why_none(likeness)}")
    return f"{head}, by meaning:\n\n{render_result(likeness.result, query)}"


def render_papers(papers: Sequence[PaperView]) -> str:
    listed = (for_terminal_line(f"- {p.title} — {byline(p)}  [{p.source}]") for p in papers)
    return "\n".join(listed) or "No papers yet."


def render_report(report: IngestReport) -> str:
    lines = [report.summary_line()]
    for f in report.files:
        lines.append(f"  {for_terminal_line(f.source)}: {f.status}, {f.papers} papers"
                     f" (+{f.added} added, ~{f.updated} updated, -{f.removed} removed)")
    if report.problems:
        lines.append("Problems:")
        lines.extend(f"  {for_terminal_line(problem_line(p))}" for p in report.problems)
    return for_terminal("\n".join(lines))


def help_examples(papers: Sequence[PaperView], topics: Sequence[str]) -> dict[str, str]:
    """An example for each search, drawn from the current corpus (so /help shows things that work); the
    registry's own examples when the corpus has none."""
    examples = {c.name: c.example for c in registry.on(Face.DISCORD) if c.example}
    if papers:
        first = papers[0]
        words = [w for w in first.title.split() if len(w) > 3][:3]
        if words:
            examples["paper"] = " ".join(words).strip(":,").lower()
            examples["similar"] = examples["paper"]  # /similar takes the best /paper match for its words
        with_authors = next((p for p in papers if p.authors), None)
        if with_authors:
            examples["author"] = with_authors.authors[0].split()[-1]
    if topics:
        examples["topic"] = topics[0]
    return examples


def help_text(papers: Sequence[PaperView], topics: Sequence[str], *, console: bool = True) -> str:
    """The console's help: its commands as the registry writes them, with examples from the corpus."""
    ex = help_examples(papers, topics)
    lines = [f"paperbot knows {len(papers)} papers. Commands:"]
    for c in registry.on(Face.CONSOLE):
        lines.append(f"  /{c.name} {c.usage}".ljust(22) + c.description)
    lines.append("Examples: " + "; ".join(f"/{k} {v}" for k, v in ex.items()))
    if console:
        lines.append("Type /quit (or Ctrl-D) to leave.")
    return for_terminal("\n".join(lines))


def plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def stats_text(stats: Stats) -> str:
    """/stats, the same words on every face (numbers only: nothing untrusted to escape)."""
    return (f"I know {plural(stats.papers, 'paper', 'papers')} by {plural(stats.authors, 'author', 'authors')} "
            f"on {plural(stats.topics, 'topic', 'topics')}; members wrote "
            f"{plural(stats.summaries, 'summary', 'summaries')} in Discord"
            + (f" ({plural(stats.writers, 'member', 'members')})." if stats.summaries else "."))
