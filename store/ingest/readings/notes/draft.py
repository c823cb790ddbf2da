"""A paper as a note's reader gathers it (`Draft`), and the small readings of values it needs.

A draft is opened by a title field, a heading followed by fields, or a table row; it keeps the line of
its title, and how it was titled (by a field, or by a heading at some level), which decides what a later
heading or title field means.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from store.ingest.readings.fields.authors import AuthorList
from store.ingest.readings.fields.byline import match_venue_line
from store.ingest.readings.fields.keyvalue import match_key_value
from store.ingest.structure.markdown import Node
from store.text.identifiers import arxiv_id, link_for
from store.text.links import web_link

YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
WIKI = re.compile(r"\[\[(?:[^\]|]*\|)?([^\]]*)\]\]")
_URL = re.compile(r"https?://\S+")
# A note's own words before the paper's title, in the languages members write: "Notes on", "Paper notes:",
# "Notes de lecture :", "Lesenotizen:", "Apuntes:", "Resumen de", "论文笔记：", "読書メモ:". A prefix ends at a
# separator, a preposition of its language, or an opening quote; it never takes the whole title.
_PREFIX_WORDS = (  # longer phrases first: "Notes de lecture :" is one prefix, not "Notes de" + "lecture"
    r"r[ée]sum[ée]\s+de\s+l['’]article|(?:notes?|fiche)\s+de\s+lecture|notas\s+de\s+(?:lectura|leitura)"
    r"|note\s+di\s+lettura|compte[- ]rendu|r[ée]sum[ée]"
    r"|(?:(?:paper|reading|lecture|research|study)[\s-]+)?(?:summary|summaries|notes?|review|thoughts|takeaways"
    r"|reflections|write-?up)"
    r"|(?:lese|paper-?|papier-?)?notiz(?:en)?|leseprotokoll|(?:paper-?)?zusammenfassung"
    r"|apuntes|notas|resumen|rese[ñn]a|anota[çc][õo]es|resumo|appunti|riassunto"
    r"|(?:论文|阅读|读书|論文)?(?:阅读|精读|解读|笔记|總結|总结|メモ|読み|紹介)(?:笔记)?|読書メモ")
_PREPOSITIONS = r"of|on|for|about|to|de|del|du|des|sur|zu|über|von|sobre|su|di"
_NOTE_PREFIX = re.compile(
    rf"^(?:{_PREFIX_WORDS})(?:\s*[:：|–—-]\s*|\s+(?:{_PREPOSITIONS})\s*[:：]?\s+|\s*(?=[«»„“‚‘‹「『《〈\"'])"
    rf"|(?<=[\u3000-\u9fff])\s+)(?=\S)", re.IGNORECASE)
# Numbering before a title: "1.", "12)", "1、", "[3]", "(3)", "#14", "Paper 2:", "第3篇：", bold or not ("**[12]**").
_NUMBERING = re.compile(
    r"^(?:\*\*|__)?\s*(?:[\[(（]\d{1,3}[\])）]|\d{1,3}(?:[.)]\s|[、．]|\s*[:：]\s|\s+[–—-]\s)|#\d{1,3}\b[.:：]?"
    r"|(?:paper|article|reading|artikel|papier|art[íi]culo|articolo|论文|文章)\s*(?:#|no\.?|nr\.?|n[º°]\.?)?\s*"
    r"\d{1,3}\s*[:：.)–—-]|第\s*\d{1,3}\s*[篇个]?\s*[:：、]?)\s*(?:\*\*|__)?\s*(?=\S)", re.IGNORECASE)
# Quotes around a whole title, in the pairs of the languages members write.
_QUOTES = {'"': '"', "“": "”", "„": "“”", "‚": "‘’", "‘": "’", "'": "'", "«": "»", "»": "«", "‹": "›",
           "「": "」", "『": "』", "《": "》", "〈": "〉", "＂": "＂"}
_VENUE_TAIL = re.compile(r"(?:\s*[(\[]\s*(?P<inner>[^()\[\]]{2,60}?)\s*[)\]]|\s+[-–—|]\s+(?P<bare>[^-–—|]{2,60}))\s*$")
_LEADING_MARKS = re.compile(r"^(?:[^\w\"“'‘(\[«„‚‹「『《〈＂»]|»(?!.*«$))+")  # "📝 Title", "» Title"


def strip_note_words(title: str) -> str:
    """A title without the numbering and note prefixes before it ("1. Notes on X", "论文笔记：X")."""
    for _ in range(3):
        stripped = _NOTE_PREFIX.sub("", _NUMBERING.sub("", title))
        if stripped == title:
            break
        title = stripped
    return title


def unquote(title: str) -> str:
    """A title without the quotes around it: "X", « X », „X“, 「X」, 『X』, 《X》."""
    while len(title) > 2 and title[-1] in _QUOTES.get(title[0], "") and title[1:-1].strip():
        inner = title[1:-1]
        if any(ch in inner for ch in (title[0], title[-1]) if ch not in "'’"):
            break  # '"A" and "B"': two quotes, not one around the whole
        title = inner.strip()
    return title


@dataclass(slots=True)
class Draft:
    line: int
    title: str = ""
    title_line: int = 0
    authors: AuthorList | None = None
    venue: str | None = None
    year: int | None = None
    topics: list[str] = field(default_factory=list)
    link: str | None = None
    writer: str | None = None
    summary: list[str] = field(default_factory=list)
    level: int = 0  # the heading level that opened it (0: a field did)
    title_keyed: bool = False  # the title came from a title field, not from a heading

    def set_title(self, text: str, line: int) -> None:
        self.title, self.title_line = " ".join(text.split()), line

    def set_heading_title(self, text: str, line: int) -> None:
        """A heading as the title: without marks, "Notes on", quotes, or a closing "(NeurIPS 2020)"."""
        self.set_clean_title(_LEADING_MARKS.sub("", " ".join(text.split())), line)

    def set_clean_title(self, title: str, line: int) -> None:
        """A title without numbering, a note's prefix, quotes around it or a closing "(NeurIPS 2020)", which
        gives venue and year."""
        title = strip_note_words(" ".join(title.split()))
        tail = _VENUE_TAIL.search(title)
        if tail is not None:
            venue = match_venue_line(tail.group("inner") or tail.group("bare"))
            if venue is not None and tail.start() > 0:
                title = title[:tail.start()].rstrip(" -–—|,")
                self.venue, self.year = self.venue or venue[0], self.year or venue[1]
        self.set_title(unquote(strip_note_words(unquote(title))), line)


def heading_link(node: Node, title: str) -> str | None:
    """The url of a heading that is a link, or whose title is a link ("# [Title](url) [arXiv 2017]")."""
    if node.whole_link:
        return node.whole_link
    return next((url for text, url in node.links if " ".join(text.split()) == title), None)


def adjacent(a: Node, b: Node) -> bool:
    return b.line - (a.end or a.line) <= 1


def link_value(value: str) -> str | None:
    """The link a link field gives: a url in it, an arXiv id ("arXiv:1706.03762"), or a bare "arxiv.org/..."."""
    value = value.strip().strip("<>")
    url = _URL.search(value)
    if url:
        return url.group(0).rstrip(").,>")
    link = web_link(value)  # a bare "arxiv.org/abs/..." mended; text that is no link ("[arXiv](...)") is none
    return link if link is not None else link_for(arxiv_id(value, bare=True))


def values_below(nodes: list[Node]) -> list[str]:
    """The list items right after a key with no value ("**Authors:**" then "- A", "- B")."""
    items: list[str] = []
    for node in nodes:
        if node.kind != "paragraph" or not node.item or match_key_value(node.lines[0][1]) is not None:
            break
        items.append(" ".join(t for _, t in node.lines))
    return items
