"""Whether a title is the file's own (a reading list's, a session's, a blog post's) rather than a paper's.

A file that holds papers has a title of its own: "Reading group #14: ...", "RL reading notes",
"Session 7: generative models", "Awesome self-supervised learning", "论文笔记". Such a title heads the
papers; it is never one of them, and the author the file's header names is the file's writer. The
words that mark it are data, in the languages members write; the readers decide when a file holds
papers (store.ingest.readings.notes.reader, store.ingest.readings.compete).
"""

from __future__ import annotations

import re

from store.text.folding import fold

# Words that make a heading the file's: a meeting, a period, a list, notes. Matched as whole words, folded.
_FILE_WORDS = re.compile(
    r"(?:^|\b)(?:reading\s+(?:group|list|notes|club|log)|journal\s+club|paper\s+(?:club|list|notes|summaries)|"
    r"(?:session|week|meeting|seminar|lecture|class|sitzung|woche|vorlesung|seance|semaine|sesion|semana)"
    r"\s*#?\d+|"  # a meeting or a period is numbered: "Session 7", "Week 3" ("Session-based ..." is a paper)
    r"syllabus|curriculum|notes|summaries|papers|awesome|bibliography|to\s+read|"
    r"lesegruppe|lesekreis|notizen|lesenotizen|literaturliste|notes\s+de\s+lecture|groupe\s+de\s+lecture|"
    r"notas|lecturas|apuntes|grupo\s+de\s+lectura)(?:\b|$)"
    r"|读书会|论文笔记|笔记|论文列表|第\s*\d+\s*[周期次讲]|勉強会|読書会|メモ|論文リスト",
    re.IGNORECASE)
_NUMBERED = re.compile(r"#\s*\d+\b|\b(?:no\.?|nr\.?|n°)\s*\d+\b", re.IGNORECASE)  # "Reading group #14", "No. 3"
_HEAD_WORDS = 3  # a paper's title names it when its part before a colon has this many words at least
_HEAD_CHARS = 12


def is_file_like(title: str) -> bool:
    """Whether the title reads as a file's (a meeting, a list, notes), not a paper's."""
    folded = fold(title)
    return bool(_FILE_WORDS.search(folded) or _NUMBERED.search(title))


def title_head(title: str) -> str:
    """A title's part before its colon ("An Image is Worth 16x16 Words"), folded; the whole when none."""
    return fold(re.split(r"\s*[:：]\s+", title, maxsplit=1)[0])


def names_paper(title: str, paper: str) -> bool:
    """Whether `title` names `paper` inside a longer phrase ("Reading group #14: An Image is Worth 16x16
    Words" names "An Image is Worth 16x16 Words: Transformers for ..."): it holds the paper's title, or
    the part of it before a colon, and words of its own besides."""
    own, other = fold(title), fold(paper)
    if own == other or other.startswith(own):
        return False
    head = title_head(paper)
    for part in (other, head):
        if len(part.split()) < _HEAD_WORDS or len(part) < _HEAD_CHARS or part not in own or part == own:
            continue
        # A title that merely goes on past the other ("Batch Normalization: ... by Reducing ...") is that
        # title read whole, the other one cut short; a file's title puts words of its own first, or is one.
        if not own.startswith(part) or is_file_like(title):
            return True
    return False
