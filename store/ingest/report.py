"""What an ingest did, per file: the answer to /reload and `paperbot ingest`; and how notes were read
(`paperbot check`). Every report ends with the same problem lines (`problem_line`).

A file's problem lines beyond a cap are counted, not kept: one line stands for them ("... and N more
problem lines", a `MoreProblems`), and every count of problems (`problem_count`) includes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from store.ingest.records import MoreProblems, PaperRecord, Problem


@dataclass(slots=True)
class FileChange:
    source: str
    status: str  # "new", "changed", "unchanged", "removed", "failed"
    added: int = 0  # papers this file now describes that it did not before
    updated: int = 0  # papers whose account in this file changed
    removed: int = 0  # papers this file no longer describes
    papers: int = 0  # papers the file describes after the ingest


@dataclass(slots=True)
class IngestReport:
    files: list[FileChange] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    papers_total: int = 0

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def updated(self) -> int:
        return sum(f.updated for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def changed(self) -> bool:
        return any(f.added or f.updated or f.removed for f in self.files)

    @property
    def problem_count(self) -> int:
        return problem_count(self.problems)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "papers": self.papers_total,
            "problem_count": self.problem_count,
            "files": [
                {"source": f.source, "status": f.status, "added": f.added, "updated": f.updated,
                 "removed": f.removed, "papers": f.papers}
                for f in self.files
            ],
            "problems": [{"source": p.source, "line": p.line, "message": p.message} for p in self.problems],
        }

    def summary_line(self) -> str:
        return (f"{self.papers_total} papers: {self.added} added, {self.updated} updated, "
                f"{self.removed} removed, {self.problem_count} problem(s)")


def problem_count(problems: Sequence[Problem]) -> int:
    """How many problems were found: those listed, and those a `MoreProblems` line stands for."""
    return sum(p.count if isinstance(p, MoreProblems) else 1 for p in problems)


def problem_line(problem: Problem) -> str:
    """One problem as every report shows it (ingest, /reload, check): "file:line: message", on one line
    (a file may be named "a\nb.md": its problem must not read as two)."""
    return _one_line(str(problem))


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


class IngestProgress(Protocol):
    """Told how an ingest advances: a terminal shows it, a script or the bot passes None."""

    def start(self, files: int, size: int) -> None: ...

    def advance(self, name: str, size: int, papers: int) -> None: ...

    def stop(self) -> None: ...


def paper_lines(record: PaperRecord) -> list[str]:
    """How a note was read, for `paperbot check`: one paper, field by field."""
    lines = [_one_line(f"{record.source}:{record.line}: {record.title}")]
    if record.authors:
        cut = " (incomplete: the note says et al.)" if record.authors_incomplete else ""
        lines.append(f"    authors: {', '.join(record.authors)}{cut}")
    else:
        lines.append("    authors: none given" + (" (the note says et al.)" if record.authors_incomplete else ""))
    for name, value in (("writer", record.writer), ("venue", record.venue), ("year", record.year),
                        ("topics", ", ".join(record.topics)), ("link", record.link)):
        if value:
            lines.append(f"    {name}: {value}")
    return lines


def render_check(records: Sequence[PaperRecord], problems: Sequence[Problem], files: int) -> str:
    """Every paper found, then every problem, then the counts."""
    lines: list[str] = []
    for record in records:
        lines.extend(paper_lines(record))
    if problems:
        lines.append("Problems:")
        lines.extend(f"  {problem_line(p)}" for p in problems)
    lines.append(f"{len(records)} paper(s) in {files} file(s), {problem_count(problems)} problem(s)")
    return "\n".join(lines)


def check_json(records: Sequence[PaperRecord], problems: Sequence[Problem]) -> dict[str, Any]:
    keys = ("title", "authors", "authors_incomplete", "writer", "venue", "year", "topics", "link", "source", "line")
    return {"papers": [{k: getattr(r, k) for k in keys} for r in records], "problem_count": problem_count(problems),
            "problems": [{"source": p.source, "line": p.line, "message": p.message} for p in problems]}
