"""LaTeX accent commands to Unicode ("Bal\\'azs" -> "Balázs"), leaving $math$ untouched.

arXiv metadata writes names and titles with TeX accents; people search for "Balázs" or "Balazs",
never for a backslash.
"""

from __future__ import annotations

import re
import unicodedata

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_LETTERS = {"o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ",
            "OE": "Œ", "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ"}
# \'a  \'{a}  \' a  \c{c}  \c c  \'\i  \'{\i}
_ACCENT = re.compile(
    r"\\(?:(?P<sym>['`^\"~=.])|(?P<word>[uvHckrdb])(?![A-Za-z]))\s*"
    r"(?:\{\s*(?P<braced>\\[ij]|[A-Za-z])\s*\}|(?P<bare>\\[ij](?![A-Za-z])|[A-Za-z]))"
)
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])\s?")
_BRACED_CHAR = re.compile(r"\{([^{}\\$]{1,3})\}")
_MATH = re.compile(r"(\$\$.*?\$\$|\$[^$]*\$)", re.DOTALL)


def decode_latex(text: str, *, drop_braces: bool = True) -> str:
    """Decode TeX accents and special letters outside math; optionally drop BibTeX case braces."""
    if text.isascii() and "\\" not in text and "{" not in text and "$" not in text:
        return text  # nothing to decode, and ASCII is already NFC: most abstracts, at bulk-import speed
    parts = _MATH.split(text)
    for i in range(0, len(parts), 2):  # even indexes are outside math
        parts[i] = _decode_plain(parts[i], drop_braces)
    return unicodedata.normalize("NFC", "".join(parts))


def _decode_plain(text: str, drop_braces: bool) -> str:
    if "\\" in text:
        text = _ACCENT.sub(_accent, text)
        text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
        text = text.replace("\\&", "&").replace("\\%", "%").replace("\\_", "_").replace("\\#", "#")
    if drop_braces and "{" in text:
        for _ in range(3):  # nested "{{\"O}}"
            new = _BRACED_CHAR.sub(r"\1", text)
            if new == text:
                break
            text = new
        if "\\" not in text:
            text = text.replace("{", "").replace("}", "")
    return text


def _accent(m: re.Match[str]) -> str:
    mark = _ACCENTS[m.group("sym") or m.group("word")]
    base = m.group("braced") or m.group("bare")
    if base in {"\\i", "\\j"}:
        base = base[1]  # dotless i/j under an accent is just i/j in Unicode
    return unicodedata.normalize("NFC", base + mark)
