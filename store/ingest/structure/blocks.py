"""Split a document into blocks (paragraphs separated by blank lines) that remember their line.

Every free-form parser works on blocks, so provenance (the 1-based line of a title) is kept
without each parser counting newlines itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Block:
    """Consecutive non-blank lines; `start` is the 1-based line number of the first."""

    start: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def single(self) -> str | None:
        """The block's text if it is one line, else None."""
        return self.lines[0].strip() if len(self.lines) == 1 else None


def split_blocks(lines: list[str], first_line: int = 1) -> list[Block]:
    """Group `lines` into blocks; `first_line` is the document line number of lines[0]."""
    blocks: list[Block] = []
    current: list[str] = []
    start = first_line
    for number, line in enumerate(lines, first_line):
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


def unwrap(lines: list[str] | tuple[str, ...]) -> str:
    """Join hard-wrapped lines into one line of text; list items keep their own line."""
    out: list[str] = []
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if out and not _starts_list_item(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


def _starts_list_item(line: str) -> bool:
    if line[:2] in {"- ", "* ", "+ "}:
        return True
    head, _, _ = line.partition(" ")
    return len(head) <= 4 and head[:-1].isdigit() and head[-1:] in {".", ")"}
