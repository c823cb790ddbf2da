"""Page chrome and boilerplate: the parts of a copied web page that are not anyone's summary.

"[link]", "more"/"less" toggles, trailing table pipes, embedded images and legal disclaimers are
dropped so summaries read as prose and do not pollute search.
"""

from __future__ import annotations

import re

from store.text.spacing import unwrap

_TOGGLES = frozenset({"more", "less", "[link]", "link", "show more", "show less", "read more", "|"})
_MD_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\s]*(?:\s+\"[^\"\n]*\")?\)")
_BARE_IMAGE = re.compile(r"(?<!\()\bhttps?://\S+?\.(?:png|jpe?g|gif|svg|webp)(?:\?\S*)?(?=[\s)|]|$)"
                         r"|(?<!\()\bhttps?://i\.imgur\.com/\S+", re.IGNORECASE)
_BOILERPLATE = re.compile(
    r"\bnot an endorsement\b|\bdisclaimers?\b|\bnot necessarily (?:the|those of)\b.*\bviews?\b"
    r"|\bfor informational (?:and educational )?purposes\b|\binvestment advice\b"
    r"|\ball rights reserved\b|\bcookie policy\b|\bsubscribe to our newsletter\b",
    re.IGNORECASE,
)


def is_toggle(line: str) -> bool:
    """A line that is only a page control ("more", "less", "[link]")."""
    return line.strip().casefold() in _TOGGLES


def is_boilerplate(text: str) -> bool:
    """Disclaimers and site furniture: never part of a paper's summary."""
    return bool(_BOILERPLATE.search(text))


def clean_paragraph(lines: list[str] | tuple[str, ...]) -> str:
    """One paragraph of summary text without chrome, images or trailing table pipes."""
    kept = [line for line in lines if not is_toggle(line)]
    text = unwrap(kept)
    text = _MD_IMAGE.sub(" ", text)
    text = _BARE_IMAGE.sub(" ", text)
    text = "\n".join(_tidy(line) for line in text.split("\n"))
    return "\n".join(line for line in text.split("\n") if line)


def _tidy(line: str) -> str:
    line = " ".join(line.split())
    while line.endswith("|"):
        line = line[:-1].rstrip()
    if line.startswith("[link]"):
        line = line[len("[link]"):].lstrip()
    return line


def join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p for p in paragraphs if p)
