"""Members' summaries as Markdown files in paperbot's own front-matter format (store.ingest.frontmatter).

What the export writes, the reader reads back into the same papers: importing an export changes nothing
(store.corpus.sync recognises a file's record that repeats a member's stored summary). Pure functions:
the file name and the text; store.summaries.export_folder writes them into the folder.

File names are derived, never taken from a title: a slug of ASCII letters and digits (so no `..`, no
path separator, no emoji, no control character), at most 60 characters, then the summary's number,
which makes every name distinct and stable from one export to the next; a slug that is a Windows
device name (CON, NUL, COM1...) is prefixed so the file can be opened everywhere.
"""

from __future__ import annotations

import re
import unicodedata

from store.summaries.contributions import ContributionView

SLUG_MAX = 60
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_FENCE = re.compile(r"^(\s*)---(\s*)$")


def slug(title: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > SLUG_MAX:
            break
        out = candidate
    out = out or (words[0][:SLUG_MAX] if words else "summary")
    return f"paper-{out}" if out in _RESERVED else out


def file_name(c: ContributionView) -> str:
    return f"{slug(c.title)}-{c.id}.md"


def _value(text: str) -> str:
    """A one-line front-matter value, quoted so that quotes and colons inside it survive."""
    return '"' + " ".join(text.split()) + '"'


def to_markdown(c: ContributionView) -> str:
    head = [f"title: {_value(c.title)}"]
    if c.authors:
        head.append(f"authors: {_value('; '.join(c.authors))}")
    if c.venue:
        head.append(f"venue: {_value(c.venue)}")
    if c.year:
        head.append(f"year: {c.year}")
    if c.topics:
        head.append(f"topics: {_value(', '.join(t.replace(',', ' ') for t in c.topics))}")
    if c.link:
        head.append(f"link: {c.link.split()[0]}")
    head.append(f"writer: {_value(c.writer or 'unknown')}")
    head.append(f"written: {c.created_at.isoformat(timespec='seconds')}")
    if c.edited_at:
        head.append(f"edited: {c.edited_at.isoformat(timespec='seconds')}")
    if c.tldr:
        head.append(f"summary: {_value(c.tldr)}")
    # A "---" line in the text would open a block of its own when read back: it becomes "- - -".
    body = "\n".join(_FENCE.sub(r"\1- - -\2", line) for line in c.body.split("\n"))
    return "---\n" + "\n".join(head) + "\n---\n" + body.strip() + "\n"
