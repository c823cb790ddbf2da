"""LaTeX to readable Unicode text, with pylatexenc: "A \\emph{Good} Paper" -> "A Good Paper".

arXiv metadata and BibTeX write titles, names and abstracts in LaTeX; people read and search for
"Balázs" or "O(n log n)", never for a backslash. pylatexenc (maintained, covers accents, special
letters, text commands, dashes, quotes and math symbols) does the converting; this module only sets
it up for summaries and keeps the common case fast:

- Text with no backslash, brace or dollar is returned as it is (most abstracts: pylatexenc costs about
  a millisecond per abstract, the bulk import's whole budget per paper is 0.2 ms).
- Math is made readable, not kept as source: `$O(n \\log n)$` -> "O(n log n)", `$\\alpha$` -> "α",
  `$\\sqrt{5}$` -> "√(5)"; a macro pylatexenc does not know keeps its name inside math (`$\\Q$` -> "Q")
  and is dropped outside it (`\\foo{bar}` -> "bar").
- Citations and labels are dropped, `\\url{x}` is x; a bare `%` is a percent sign, not a comment, and
  an unpaired `$` is a dollar sign, as they are in plain abstracts.
- Text pylatexenc cannot convert is kept as written (never lost).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pylatexenc.latex2text import LatexNodes2Text

_DROPPED = ("cite", "citep", "citet", "citealp", "citeauthor", "citeyear", "ref", "eqref", "label", "footnote")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_BARE_DOLLAR = re.compile(r"(?<!\\)\$")
_SPACE_BEFORE_PUNCT = re.compile(r"[ \t]+(?=[.,;:!?)])")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")


def _unknown_macro(node: Any, **_kw: Any) -> str:
    return node.macroname if node.parsing_state.in_math_mode else ""


@cache
def _converter() -> LatexNodes2Text:
    """Built on first use: importing pylatexenc and building its tables takes about a second, which a
    parsing process for text with no markup should never pay."""
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    db = get_default_latex_context_db()
    db.add_context_category("paperbot", prepend=True,
                            macros=[*(MacroTextSpec(name, simplify_repl="") for name in _DROPPED),
                                    MacroTextSpec("url", simplify_repl="%s")])
    db.set_unknown_macro_spec(MacroTextSpec("", simplify_repl=_unknown_macro))
    return LatexNodes2Text(latex_context=db, math_mode="text")



def has_latex(text: str) -> bool:
    """Whether `text` could hold LaTeX markup at all (the fast path's test)."""
    return "\\" in text or "{" in text or "$" in text


def decode_latex(text: str) -> str:
    """`text` with its LaTeX converted to plain Unicode (NFC); text without markup comes back as is."""
    if not has_latex(text):
        return text if text.isascii() else unicodedata.normalize("NFC", text)
    source = _BARE_PERCENT.sub(r"\\%", text)
    if len(_BARE_DOLLAR.findall(source)) % 2:  # "costs $5": no math here, a dollar sign
        source = _BARE_DOLLAR.sub(r"\\$", source)
    try:
        out = _converter().latex_to_text(source)
    except (IndexError, KeyError, ValueError, TypeError, AttributeError, RecursionError):
        return unicodedata.normalize("NFC", text)  # pylatexenc gave up on this markup: keep it as written
    out = out.replace("\u00a0", " ")
    out = _SPACE_BEFORE_PUNCT.sub("", out)
    out = _SPACES.sub(" ", out)
    return unicodedata.normalize("NFC", out)
