"""Hostile input everywhere: the corpus and the judges of tests/bot/test_hostile_*.py and tests/e2e/test_e2e_hostile.py,
through the real reader, the real renderer, the real bot and the local Discord.

One generator of hostile fragments (masked links, the issue's two-link line, escapes, code spans and fences,
mentions, line-start constructs, spoilers and emphasis, terminal escape sequences, bidi and zero-width
characters, very long words, links Discord refuses) composes a corpus of notes, as front-matter Markdown
and as BibTeX, under hostile file names; members then write, propose and ask with the same fragments.
The judges are not the renderer: the local Discord validates every body against Discord's API description
(formats included) and reads it as Discord's client does (tests/fakediscord/markdown.py), recording any
live link, ping or broken code span the bot did not mean; terminal output is judged by Unicode category.
Each check also says what must survive: the hostile text is shown, as written, minus control characters.
"""

from __future__ import annotations

import json
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from store.ingest import parse_text
from store.ingest.records import PaperRecord
from tests.bot.untrusted_checks import ISSUE, ZWSP
from tests.fakediscord import markdown

# What a hostile writer puts in a title, a name, a summary, a form or a query: each construct Discord's
# Markdown, Discord's server or a terminal would act on. (No braces: BibTeX would read them as its own.)
FRAGMENTS = (
    ISSUE,
    "[Verify your account](https://evil.example/x)",
    "[[nested](https://a.example)](https://evil.example/n)",
    "[a [b] c](https://evil.example/b)",
    "\\[escaped](https://evil.example/e)",
    "\\\\[doubly](https://evil.example/d)",
    "<https://evil.example/auto>",
    "https://evil.example/bare_url",
    "`one`",
    "``two``",
    "```py\nfenced```",
    "a ` b",
    "@everyone",
    "@here",
    "<@123456789012345678>",
    "<@!123>",
    "<@&9>",
    "<#1>",
    "# heading",
    "-# small",
    "> quote",
    ">>> rest",
    "- item",
    "1. first",
    "* star",
    "||spoiler||",
    "*em* _it_",
    "**strong** __under__",
    "~~struck~~",
    "\x1b[2J\x1b[H",
    "\x1b]8;;https://evil.example/osc\x07click\x1b]8;;\x07",
    "\x9b31m",
    "\u202egnp.exe",
    "zero\u200bwidth\ufeff\u2066iso\u2069",
    "W" * 300,
)
# Links a note may give ({i}: the note's number, so no two notes name the same paper): none is a web link Discord
# accepts as written; the first four are mended to one, the others dropped.
LINKS = (
    "arxiv.org/abs/2101.{i:05d}",
    "doi.org/10.1000/{i}",
    "<https://example.org/wrapped/{i}>.",
    "https://example.org/ok_({i})",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "www.example.com/x y",
    "[Wombat](https://evil.example/x)",
    "https://evil.example/x)[a](https://evil.example)",
    "https://exa mple.org",
    "http://[::1",
    "https://example.org/\x1b[2J",
)
MENDED = ("https://arxiv.org/abs/2101.{i:05d}", "https://doi.org/10.1000/{i}", "https://example.org/wrapped/{i}",
          "https://example.org/ok_({i})")
# File names: anything Linux allows (no "/" and no NUL), as a committer to a synced corpus folder could.
FILENAMES = (
    "evil\x1b[2J",
    "`tick`",
    "[x](evil.example)",
    "@everyone",
    "<@1>",
    "\u202etxt",
    "c1\x9bm",
    "line\nbreak",
    "||sp||",
    "# head",
    "-# small",
    "*em*",
    "~~s~~",
    "zero\u200bwidth",
    "> quote",
    "L" * 150,
)
# One plain, distinct word per note: what finds it, whatever else its title holds.
TAGS = (
    "Wombat", "Quokka", "Numbat", "Echidna", "Dingo", "Bilby", "Potoroo", "Bandicoot", "Quoll", "Dunnart",
    "Wallaroo", "Pademelon", "Bettong", "Cuscus", "Platypus", "Kookaburra", "Cassowary", "Galah", "Lorikeet",
    "Brolga", "Jabiru", "Currawong", "Bowerbird", "Lyrebird", "Thornbill", "Pardalote", "Gerygone", "Fairywren",
    "Honeyeater", "Woylie", "Mulgara", "Kowari", "Ningaui", "Planigale", "Antechinus", "Phascogale",
    "Kultarr", "Dibbler", "Mardo", "Tarsipes",
)


@dataclass(frozen=True)
class Note:
    """One hostile note: its tag (a plain word only it holds) and what its file says."""

    tag: str
    filename: str
    title: str
    authors: str
    summary: str
    link: str
    topics: str
    stored_link: str | None = None  # the link once checked: mended, or none

    @property
    def bibtex(self) -> bool:
        return self.filename.endswith(".bib")

    def text(self) -> str:
        if self.bibtex:
            return (f"@article{{{self.tag.lower()},\n  title = {{{self.title}}},\n  author = {{{self.authors}}},\n"
                    f"  year = {{2021}},\n  url = {{{self.link}}},\n  keywords = {{{self.topics}}},\n"
                    f"  abstract = {{{self.summary}}}\n}}\n")
        return (f"---\ntitle: {self.title}\nauthors: {self.authors}\nyear: 2021\nlink: {self.link}\n"
                f"topics: {self.topics}\n---\n{self.summary}\n")


def one_line(text: str) -> str:
    return text.replace("\n", " ")


def hostile_notes(seed: int = 22, count: int = len(FRAGMENTS)) -> list[Note]:
    """`count` notes in which each fragment takes each role (title, author, summary lines), each link and file
    name its turn, in a seeded order; every third note is BibTeX."""
    rng = random.Random(seed)
    order = list(range(len(FRAGMENTS)))
    rng.shuffle(order)
    n = len(FRAGMENTS)
    notes = []
    for i in range(count):
        tag = TAGS[i]
        pick = [FRAGMENTS[order[(i + shift) % n]] for shift in (0, 5, 11, 17, 23)]
        suffix = ".bib" if i % 3 == 2 else ".md"
        separator = " and " if suffix == ".bib" else "; "
        notes.append(Note(
            tag=tag,
            filename=f"{FILENAMES[(i * 7) % len(FILENAMES)]} {i:02d}{suffix}",
            title=f"{tag} {one_line(pick[0])} Networks",
            authors=separator.join(("Ada Lovelace", one_line(pick[1]))),
            summary=f"{tag} burrows. {pick[2]}\n{pick[3]} after a line break\n\n{pick[4]} in a new paragraph.",
            link=LINKS[i % len(LINKS)].format(i=i),
            topics=f"Marsupials, {one_line(pick[(i + 2) % 5])}",
            stored_link=MENDED[i % len(LINKS)].format(i=i) if i % len(LINKS) < len(MENDED) else None,
        ))
    return notes


@dataclass(frozen=True)
class MetadataFile:
    """arXiv metadata as JSON Lines (a bulk import's format): JSON escapes can carry any character, NUL too."""

    filename: str
    papers: tuple[dict[str, str], ...]

    def text(self) -> str:
        return "".join(json.dumps(paper) + "\n" for paper in self.papers)  # ESC, NUL... as \u escapes

    def links(self) -> dict[str, str | None]:
        return {p["title"].split()[0]: f"https://arxiv.org/abs/{p['id']}" for p in self.papers}


def hostile_metadata(first_tag: int = len(FRAGMENTS), count: int = 4) -> MetadataFile:
    """Papers whose title, authors and abstract hold fragments, and a NUL, which PostgreSQL refuses in text."""
    papers = tuple({"id": f"2102.{k:05d}",
                    "title": f"{TAGS[first_tag + k]} {one_line(FRAGMENTS[7 * k])}\x00 Metadata Networks",
                    "authors": f"Ada Lovelace and {one_line(FRAGMENTS[7 * k + 1])}",
                    "abstract": f"{FRAGMENTS[7 * k + 2]}\x00 abstract.", "categories": "cs.LG"} for k in range(count))
    return MetadataFile(f"{FILENAMES[0]} metadata.jsonl", papers)


def hostile_corpus() -> tuple[list[Note | MetadataFile], dict[str, str | None]]:
    """The notes and the metadata file, and each paper's link as it should be stored (by its tag)."""
    notes, metadata = hostile_notes(), hostile_metadata()
    return [*notes, metadata], {**{n.tag: n.stored_link for n in notes}, **metadata.links()}


def visible(text: str) -> str:
    """What a one-line place should show of `text`, worked out here from Unicode categories (not by the
    renderer): control and invisible format characters gone (zero-width joiners kept), line breaks and
    tabs as blanks, blanks collapsed."""
    kept = "".join(" " if c in "\t\n\r\u2028\u2029" else c for c in text
                   if unicodedata.category(c) not in ("Cc", "Cf") or c in "\t\n\r\u200c\u200d")
    return " ".join(kept.split())


def shown(sent: str) -> str:
    """What Discord's client shows of a text the bot sent (the model's reading), zero-width spaces aside."""
    return markdown.read(sent).shown.replace(ZWSP, "")


def shows(sent: str, written: str) -> bool:
    """Whether `sent` shows `written` as written (minus controls), whole or cut at a word with an ellipsis."""
    return whole_or_cut(shown(sent), visible(written))


def whole_or_cut(seen: str, meant: str) -> bool:
    return seen == meant or (seen.endswith("…") and meant.startswith(seen[:-1].rstrip()))


def read_by_the_reader(files: list[Note | MetadataFile]) -> dict[str, list[PaperRecord]]:
    """Each file's records as the real reader reads it (file name -> records; none when it refuses them)."""
    return {f.filename: parse_text(f.text(), f.filename, Path(f.filename).suffix).records for f in files}


def stored(title: str) -> str:
    """A title as the database keeps it: every NUL dropped (PostgreSQL refuses one; SQLite is held to the same)."""
    return title.replace("\x00", "")


def write_corpus(folder: Path, files: list[Note | MetadataFile]) -> None:
    for f in files:
        (folder / f.filename).write_text(f.text(), encoding="utf-8")


def terminal_safe(text: str) -> bool:
    """No character a terminal acts on or hides: no control but newline and tab, no invisible format
    character (bidi overrides, zero-width space...) but the zero-width joiners."""
    return not any((unicodedata.category(c) == "Cc" and c not in "\n\t")
                   or (unicodedata.category(c) == "Cf" and c not in "\u200c\u200d") for c in text)


def printable(text: str) -> str:
    """`text` as a terminal should print it when it holds no escape sequence: controls and format characters
    gone (newline, tab and the zero-width joiners kept)."""
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c in "\n\t\u200c\u200d")
