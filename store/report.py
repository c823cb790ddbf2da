"""What an ingest did, per file: the answer to /reload and `paperbot ingest`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from store.records import Problem


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

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "papers": self.papers_total,
            "files": [
                {"source": f.source, "status": f.status, "added": f.added, "updated": f.updated,
                 "removed": f.removed, "papers": f.papers}
                for f in self.files
            ],
            "problems": [{"source": p.source, "line": p.line, "message": p.message} for p in self.problems],
        }

    def summary_line(self) -> str:
        return (f"{self.papers_total} papers: {self.added} added, {self.updated} updated, "
                f"{self.removed} removed, {len(self.problems)} problem(s)")
