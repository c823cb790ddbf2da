"""The gate: what is not plausibly a paper's title never becomes a record.

A title that still carries markup (`**`, `__`, `::`, backticks, `[[`, unbalanced brackets), that
starts with a key name and a colon ("Title: ..."), that is a section heading of a note ("Summary",
"How", "Key ideas", "TL;DR", "References"), a sentence of the summary, or page boilerplate is
refused with a reason; the caller reports it with its file and line.
"""

from __future__ import annotations

import re

from store.ingest.readings.fields.byline import match_venue_line
from store.ingest.readings.fields.chrome import is_boilerplate
from store.ingest.readings.fields.keys import KEY_NAMES, fold_key
from store.ingest.readings.fields.venues import known_venue
from store.ingest.readings.fields.writer import match_writer_line
from store.ingest.records import Problem

_SECTION_LINES = """
summary
how
what
why
abstract
notes
note
introduction
intro
key ideas
key idea
key points
key takeaways
takeaways
tl;dr
tldr
references
bibliography
method
methods
methodology
approach
results
conclusion
conclusions
overview
motivation
contributions
background
related work
experiments
discussion
thoughts
my thoughts
comments
questions
open questions
problem
idea
ideas
main idea
todo
links
resources
citation
bibtex
details
highlights
limitations
future work
strengths
weaknesses
pros and cons
review
evaluation
setup
architecture
implementation
analysis
personal notes
reading notes
paper notes
paper summary
reading list
papers
contents
table of contents
readme
untitled
template
insights
metadata
meta
index
notes index
paper notes index
reading notes index
my notes
my reading notes
home
welcome
info
information
paper info
paper information
bibliographic information
reference
citation info
abstract and notes
zusammenfassung
notizen
einleitung
methode
ergebnisse
fazit
résumé
resumen
notas
introducción
método
resultados
摘要
总结
笔记
方法
结论
引言
实验
"""
_SECTIONS = frozenset(line.strip() for line in _SECTION_LINES.splitlines() if line.strip())
_MARKUP = re.compile(r"\*\*|__|::|`|\[\[|\]\]|^#|^>|^[-+*] |\|\s*$|^\s*\||</?[a-z]+>|^\s*[-=]{3,}\s*$"
                     r"|\]\((?:https?:|<|/|#)")  # a Markdown link left in the text: "[x](https://...)"
_KEY_COLON = re.compile(r"^\s*(?P<key>[^\W\d_][^:：]{0,39}?)\s*[:：]")
_TRAILING_KEY = re.compile(r"[:：]\s*$")
_DATE = re.compile(r"^\s*\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?\s*$")
_SCHEDULE = re.compile(r"^(?:week|day|session|lecture|chapter|part|meeting|reading group|sprint)\s*#?\d{1,3}\b"
                       r"[\s:–—-]*$"
                       r"|^(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day)(?:\s+(?:morning|afternoon|evening))?$",
                       re.IGNORECASE)
_WORDS = re.compile(r"[^\W\d_]+")


def refuse_title(title: str) -> str | None:
    """Why `title` is not a paper's title, or None when it may be one."""
    text = " ".join(title.split())
    if not text or not any(ch.isalpha() for ch in text):
        return "no words"
    if _MARKUP.search(text):
        return "it still carries markup"
    if not _balanced(text):
        return "unbalanced brackets"
    key = _KEY_COLON.match(text)
    if key and fold_key(key.group("key")) in KEY_NAMES:
        return "it starts with a key name and a colon"
    if _TRAILING_KEY.search(text):
        return "it ends with a colon"
    if fold_key(text) in KEY_NAMES or _section(text):
        return "it is a section heading, not a title"
    if _DATE.match(text):
        return "it is a date"
    if _SCHEDULE.match(text):
        return "it is a schedule heading"
    if match_venue_line(text) is not None or known_venue(text) is not None:
        return "it names a venue, not a paper"
    if is_boilerplate(text):
        return "it is page boilerplate"
    if match_writer_line(text) is not None:
        return "it names the writer of the notes, not a paper"
    if _sentence(text):
        return "it is a sentence of the summary"
    return None


REFUSED = "not a paper title"


def refused_title(source: str, line: int, title: str, reason: str) -> Problem:
    """The problem line for a title the gate refused, with its reason and (at most 80 characters of) it."""
    return Problem(source, line, f"{REFUSED} ({reason}): {title[:80]!r}")


def refusals(problems: list[Problem]) -> int:
    """How many of `problems` are titles the gate refused: a reading that proposed them misread something."""
    return sum(1 for p in problems if p.message.startswith(REFUSED))


def is_section(text: str) -> bool:
    """A note's section heading ("Summary", "2. Method", "Metadata"): never a paper's title."""
    return _section(" ".join(text.split())) or fold_key(text) in KEY_NAMES


def _section(text: str) -> bool:
    folded = fold_key(text).strip(" .!?")
    folded = re.sub(r"^\d+(?:\.\d+)*\.?\s+", "", folded)  # "2. Method"
    return folded in _SECTIONS


def _balanced(text: str) -> bool:
    for left, right in ("()", "[]", "{}"):
        if text.count(left) != text.count(right):
            return False
    return "{" not in text


def _sentence(text: str) -> bool:
    words = _WORDS.findall(text)
    if len(text) > 300 or len(words) > 40:
        return True
    if text.endswith(".") and not text.endswith(("...", "et al.", "vs.")) and len(words) >= 4:
        lower = sum(1 for w in words if w[:1].islower())
        return lower * 2 >= len(words) or len(words) >= 12
    if text.endswith("?") and len(words) >= 12:  # a question titles a paper in a few words, not in a sentence
        return sum(1 for w in words if w[:1].islower()) * 3 >= len(words) * 2
    return False
