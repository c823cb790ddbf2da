"""Title lines that name their authors after a dash: "Paper Title – Author One, Author Two".

A paragraph of such lines, or a list of them, is one paper per line. The line itself is read by
store.ingest.readings.fields.titleline (a poster line that gives its authors reads it too).
"""

from __future__ import annotations

from store.ingest.readings.fields.titleline import split_title_line
from store.ingest.readings.shapes.shape import PaperLine, Shape


def match_title_line(line: str) -> PaperLine | None:
    """The paper of a "Title – Names" line, or None when the line is anything else."""
    found = split_title_line(line)
    return PaperLine(found.title, found.authors, found.link) if found else None


SHAPE = Shape("'Title – Authors' lines", line=match_title_line)
