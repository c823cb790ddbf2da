"""A generated corpus of notes that composes the conventions members write (issue 24, "Done when").

Headings that look like keys over every header style, every author style, placeholders, affiliations,
damaged lines, writers' credits and several papers per file are crossed, each note with the exact papers a
careful reader finds in it. The ground truth is real papers (papers.py); nothing here asks the reader.
"""

from tests.ingest.generated.compose import Note, compose_corpus, compose_multi, compose_single

__all__ = ["Note", "compose_corpus", "compose_multi", "compose_single"]
