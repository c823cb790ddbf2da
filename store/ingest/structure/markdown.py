"""A document's one structure, from a real Markdown parser: headings, paragraphs, list items, tables, code.

markdown-it-py (CommonMark, with GFM tables and the front-matter, definition-list and task-list
plugins) parses the text; each block becomes a `Node` holding its plain text (emphasis, links and
code marks resolved, so "**Title:** X" reads "Title: X"), its links, and its 1-based source lines.
Plain .txt notes go through it too: they are mostly Markdown-ish, and a line that is not Markdown
is just a paragraph; org notes are made Markdown first, line for line (store.ingest.structure.org).

A `Document` is that structure with the source lines it came from. Its `paragraphs` are those lines split at
blank lines (`split_blocks`), with their markup (a poster line "**C12:** Title", a page's "[link]") and
what the parser makes no node of (a link-reference line), for the readings that go by a paragraph's lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.tasklists import tasklists_plugin

from store.ingest.structure import org


@dataclass(slots=True)
class Node:
    """One block of the document.

    kind: "heading", "paragraph" (also a list item's or a definition's text), "row" (a table row;
    `cells` holds its cells' text), "code" (`info` is the fence's language), "front_matter", "rule".
    `lines` are the block's text lines, each with its 1-based source line number.
    """

    kind: str
    line: int
    text: str = ""
    level: int = 0  # heading level; for a paragraph, how deeply it is nested in lists
    item: bool = False  # the paragraph opens a list item
    lines: list[tuple[int, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, url)
    whole_link: str | None = None  # the url when the whole text is one link
    cells: list[str] = field(default_factory=list)
    header: bool = False  # a table's header row
    table: int = 0  # which table a row belongs to (1-based)
    info: str = ""
    end: int = 0  # last source line (1-based)


# Where emphasis opens or closes. Between two letters it parts the words: inside a word ("Ji Lin*X*",
# "Lin**X**") asterisks are far more often affiliation marks than emphasis. Elsewhere it is nothing.
_EMPHASIS = "\ue000"
_EMPHASIS_BETWEEN_LETTERS = re.compile(f"(?<=[^\\W\\d]){_EMPHASIS}+(?=[^\\W\\d])")  # letters and "_"
_EMPHASIS_TOKENS = {"em_open", "em_close", "strong_open", "strong_close"}


def _joined(parts: list[str]) -> str:
    return _EMPHASIS_BETWEEN_LETTERS.sub(" ", "".join(parts)).replace(_EMPHASIS, "")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    return md.use(front_matter_plugin).use(deflist_plugin).use(tasklists_plugin)


def _nodes(tokens: list[Token]) -> list[Node]:
    nodes: list[Node] = []
    depth = 0
    item_open = False
    tables = 0
    in_header = False
    row: Node | None = None
    heading: Node | None = None
    for index, token in enumerate(tokens):
        kind = token.type
        start = token.map[0] + 1 if token.map else 0
        end = token.map[1] if token.map else 0
        if kind in {"bullet_list_open", "ordered_list_open"}:
            depth += 1
        elif kind in {"bullet_list_close", "ordered_list_close"}:
            depth -= 1
        elif kind == "list_item_open":
            item_open = True
        elif kind == "heading_open":
            heading = Node("heading", start, level=int(token.tag[1]), end=end)
        elif kind == "table_open":
            tables += 1
        elif kind == "thead_open":
            in_header = True
        elif kind == "thead_close":
            in_header = False
        elif kind == "tr_open":
            row = Node("row", start, header=in_header, table=tables, end=end)
        elif kind == "tr_close" and row is not None:
            row.text = " | ".join(row.cells)
            row.lines = [(row.line, row.text)]
            nodes.append(row)
            row = None
        elif kind == "inline":
            plain, links, whole = render_inline(token.children or [])
            if row is not None:
                row.cells.append(" ".join(plain.split()))
                row.links.extend(links)
                continue
            if heading is not None:
                heading.text = " ".join(plain.split())
                heading.lines = [(start, heading.text)]
                heading.links, heading.whole_link = links, whole
                nodes.append(heading)
                heading = None
                continue
            para = Node("paragraph", start, text=plain, level=depth, item=item_open and _opens_item(tokens, index),
                        links=links, whole_link=whole, end=end)
            para.lines = [(start + k, " ".join(line.split())) for k, line in enumerate(plain.split("\n"))]
            para.lines = [(n, line) for n, line in para.lines if line]
            item_open = False
            if para.lines:
                nodes.append(para)
        elif kind in {"fence", "code_block"}:
            nodes.append(Node("code", start, text=token.content, info=token.info.strip(), end=end))
        elif kind == "front_matter":
            nodes.append(Node("front_matter", start, text=token.content, end=end))
        elif kind == "hr":
            nodes.append(Node("rule", start, end=end))
    return nodes


def _opens_item(tokens: list[Token], index: int) -> bool:
    """Whether the inline at `index` is the first paragraph of a list item."""
    return index >= 2 and tokens[index - 1].type == "paragraph_open" and tokens[index - 2].type == "list_item_open"


def render_inline(children: list[Token]) -> tuple[str, list[tuple[str, str]], str | None]:
    """(plain text, links, url of a link spanning the whole text) of one inline run."""
    parts: list[str] = []
    links: list[tuple[str, str]] = []
    href: str | None = None
    link_start = 0
    outside_link = False  # visible text outside every link
    link_count = 0
    for child in children:
        kind = child.type
        if kind == "text" or kind == "code_inline":
            parts.append(child.content)
            if href is None and child.content.strip():
                outside_link = True
        elif kind in {"softbreak", "hardbreak"}:
            parts.append("\n")
        elif kind in _EMPHASIS_TOKENS:
            parts.append(_EMPHASIS)
        elif kind == "link_open":
            href = str(child.attrs.get("href", ""))
            link_start = len(parts)
        elif kind == "link_close" and href is not None:
            links.append((_joined(parts[link_start:]).strip(), href))
            link_count += 1
            href = None
        elif kind == "image":
            continue  # an image's alt text is not the note's text
    plain = _joined(parts)
    whole = links[0][1] if link_count == 1 and not outside_link else None
    return plain, links, whole


@dataclass(frozen=True, slots=True)
class Block:
    """A writer's paragraph: consecutive non-blank source lines; `start` is the 1-based line of the first."""

    start: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def single(self) -> str | None:
        """The block's text if it is one line, else None."""
        return self.lines[0].strip() if len(self.lines) == 1 else None


def split_blocks(lines: list[str]) -> list[Block]:
    """Group `lines` (lines[0] is line 1) into blocks at blank lines: no parser, so nothing is left out."""
    blocks: list[Block] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            blocks.append(Block(start, tuple(current)))
            current = []
    if current:
        blocks.append(Block(start, tuple(current)))
    return blocks


@dataclass
class Document:
    """A document's nodes and the source lines they came from (`lines[n - 1]` is line n)."""

    lines: list[str]
    nodes: list[Node]

    @cached_property
    def paragraphs(self) -> list[Block]:
        """The source lines as a writer's paragraphs (`split_blocks`): every run of non-blank lines, with its
        markup and whatever the parser makes no node of (a link-reference line "[1]: https://...")."""
        return split_blocks(self.lines)


def read_structure(text: str, suffix: str = ".md") -> Document:
    """The document's one structure (an org note is read as the Markdown it converts to, line for line)."""
    markdown = org.to_markdown(text) if org.is_org(text, suffix) else text
    return Document(text.split("\n"), _nodes(_parser().parse(markdown)))
