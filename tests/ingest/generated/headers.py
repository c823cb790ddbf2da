"""The header styles a note states its paper in, and the headings that look like keys over them.

Each header style renders a title and an author value (tests.ingest.generated.authors.Authors) as the block
members write; `KEY_HEADINGS` are the headings a note may carry over that block: a key's name (`# Paper`,
`## Title`, `### Authors`, in other languages) whose "value" is the block itself, or the paper's title.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.ingest.generated.authors import LIST_STYLES, Authors

KEY_HEADINGS = {"none": "", "paper": "# Paper", "title": "## Title", "authors": "### Authors", "zh": "# 论文",
                "fr": "# Papier", "plain": "# {title}"}


def _inline_or_bullets(value: Authors, indent: str = "", mark: str = "-") -> str:
    """An inline value after its key, or a bulleted list on the lines under it."""
    if value.inline is not None:
        return " " + value.inline
    return "".join(f"\n{indent}{mark} {item}" for item in value.items)


def kv_lines(title: str, value: Authors, level: int) -> str:
    return f"Title: {title}\nAuthors:{_inline_or_bullets(value)}"


def kv_bullets(title: str, value: Authors, level: int) -> str:
    return f"* **Title**: {title}\n* **Authors**:{_inline_or_bullets(value, '  ', '*')}\n* **Year**: 2019"


def bold_inline(title: str, value: Authors, level: int) -> str:
    return f"**Title:** {title}  \n**Authors:**{_inline_or_bullets(value)}"


def table(title: str, value: Authors, level: int) -> str:
    return f"| Field | Value |\n| --- | --- |\n| Title | {title} |\n| Authors | {value.inline} |\n| Year | 2020 |"


def _yaml_scalar(text: str) -> str:
    if ": " in text or text.startswith(("[", "{", "'", '"', "*", "&", "!", "%", "@", "`")) or " #" in text:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def front_matter(title: str, value: Authors, level: int) -> str:
    if value.inline is not None:
        authors = " " + _yaml_scalar(value.inline)
    elif value.flow:
        authors = " [" + ", ".join(_yaml_scalar(item) for item in value.items) + "]"
    else:
        authors = "".join(f"\n  - {_yaml_scalar(item)}" for item in value.items)
    return f"---\ntitle: {_yaml_scalar(title)}\nauthors:{authors}\nyear: 2021\n---"


def org(title: str, value: Authors, level: int) -> str:
    return f"#+TITLE: {title}\n#+AUTHOR: {value.inline}\n#+OPTIONS: toc:nil"


def title_byline(title: str, value: Authors, level: int) -> str:
    return f"{'#' * level} {title}\n\n{value.inline}"


def paper_colon(title: str, value: Authors, level: int) -> str:
    return f"{'#' * max(level, 2)} Paper: {title}\n\n- Authors: {value.inline}\n- Year: 2018"


def headings_keys(title: str, value: Authors, level: int) -> str:
    hashes = "#" * max(level, 2)
    authors = value.inline if value.inline is not None else "\n".join(f"- {item}" for item in value.items)
    return f"{hashes} Title\n\n{title}\n\n{hashes} Authors\n\n{authors}"


HEADERS: dict[str, Callable[[str, Authors, int], str]] = {
    "kv_lines": kv_lines, "kv_bullets": kv_bullets, "bold_inline": bold_inline, "table": table,
    "front_matter": front_matter, "org": org, "title_byline": title_byline, "paper_colon": paper_colon,
    "headings_keys": headings_keys,
}
FIRST = ("front_matter", "org")  # a block that must open the file: a key heading goes below it
LIST_HOSTS = {"yaml_list": ("front_matter",), "flow_list": ("front_matter",),
              "bullets": ("kv_lines", "kv_bullets", "bold_inline", "headings_keys")}


def header_takes(header: str, style: str) -> bool:
    """Whether a header style can hold an author style (lists only where members write them)."""
    return header in LIST_HOSTS[style] if style in LIST_STYLES else True


def heading_fits(heading: str, header: str) -> bool:
    """A key heading over a header, unless it repeats the header's own headings."""
    if header == "title_byline":
        return heading != "plain"
    if header == "headings_keys":
        return heading not in ("title", "authors")
    return True


def heading_line(heading: str, title: str, suffix: str) -> str:
    """The key heading as a line, in org's stars in an org file."""
    line = KEY_HEADINGS[heading].format(title=title)
    if suffix == ".org" and line:
        hashes, _, rest = line.partition(" ")
        return "*" * len(hashes) + " " + rest
    return line
