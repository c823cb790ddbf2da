"""Venue names: long conference names to the short names people search for, and venue/year hints.

A document's heading ("# ICLR 2017 summary", "ICML 2018: Our Favorite Papers") or opening paragraph
("The International Conference on Learning Representations (ICLR) is ...") names the venue of the
papers it lists, unless an entry names its own.
"""

from __future__ import annotations

import re

# Long forms first; matched case-insensitively as whole phrases.
_LONG_NAMES: tuple[tuple[str, str], ...] = (
    ("advances in neural information processing systems", "NeurIPS"),
    ("conference on neural information processing systems", "NeurIPS"),
    ("neural information processing systems", "NeurIPS"),
    ("international conference on machine learning", "ICML"),
    ("international conference on learning representations", "ICLR"),
    ("conference on computer vision and pattern recognition", "CVPR"),
    ("computer vision and pattern recognition", "CVPR"),
    ("international conference on computer vision", "ICCV"),
    ("european conference on computer vision", "ECCV"),
    ("annual meeting of the association for computational linguistics", "ACL"),
    ("association for computational linguistics", "ACL"),
    ("empirical methods in natural language processing", "EMNLP"),
    ("north american chapter of the association for computational linguistics", "NAACL"),
    ("aaai conference on artificial intelligence", "AAAI"),
    ("international joint conferences? on artificial intelligence", "IJCAI"),
    ("international conference on artificial intelligence and statistics", "AISTATS"),
    ("artificial intelligence and statistics", "AISTATS"),
    ("conference on uncertainty in artificial intelligence", "UAI"),
    ("uncertainty in artificial intelligence", "UAI"),
    ("conference on learning theory", "COLT"),
    ("knowledge discovery and data mining", "KDD"),
    ("conference on robot learning", "CoRL"),
    ("autonomous agents and multiagent systems", "AAMAS"),
    ("journal of machine learning research", "JMLR"),
    ("transactions on machine learning research", "TMLR"),
    ("arxiv e-print archive", "arXiv"),
    ("computing research repository", "arXiv"),
)
_SHORT_NAMES: dict[str, str] = {name.casefold(): name for name in (
    "ICLR", "ICML", "NeurIPS", "NIPS", "CVPR", "ICCV", "ECCV", "ACL", "EMNLP", "NAACL", "AAAI", "IJCAI",
    "AISTATS", "UAI", "COLT", "KDD", "CoRL", "AAMAS", "JMLR", "TMLR", "arXiv", "ICRA", "IROS", "WACV",
    "BMVC", "COLING", "EACL", "INTERSPEECH", "ICASSP", "SIGIR", "WWW", "RSS", "MLSys", "CoNLL", "TACL",
)}
_SHORT_NAMES["corr"] = "arXiv"
_LONG_RE = re.compile(r"\b(?:" + "|".join(f"({p})" for p, _ in _LONG_NAMES) + r")\b", re.IGNORECASE)
_SHORT_RE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(n) for n in _SHORT_NAMES) + r")(?![\w])",
                       re.IGNORECASE)
_YEAR_AFTER = re.compile(r"\s*['’]?\s*((?:19|20)\d\d|\d\d)\b(?!\s*(?:papers|%|reviewers|area))")
_YEAR = re.compile(r"(?<![\d.])((?:19[5-9]|20[0-4])\d)(?![\d.])")
# A catalogue page's venue line: "arXiv e-Print archive - 2015 via Local Bibsonomy" (ShortScience). Its entry
# shape reads it, and a note's opening leaves a page that has one to that shape.
VENUE_LINE = re.compile(r"^(?P<venue>\S.*?)\s+[-–—]\s+(?P<year>(?:19|20)\d\d)\s+via\s+\S.*$")


def short_venue(name: str) -> str:
    """"International Conference on Machine Learning" -> "ICML"; unknown names are kept as written."""
    cleaned = " ".join(name.split()).strip(" .,;:-")
    found = _LONG_RE.search(cleaned)
    if found:
        return _LONG_NAMES[found.lastindex - 1][1] if found.lastindex else cleaned
    short = _SHORT_RE.fullmatch(cleaned)
    if short:
        return _SHORT_NAMES[short.group(1).casefold()]
    return cleaned


def find_venue(text: str) -> tuple[str | None, int | None]:
    """The first venue named in `text`, with a year written next to it ("ICLR 2017", "ICML'18")."""
    hits: list[tuple[int, str, int]] = []
    for m in _LONG_RE.finditer(text):
        hits.append((m.start(), _LONG_NAMES[(m.lastindex or 1) - 1][1], m.end()))
    for m in _SHORT_RE.finditer(text):
        # Short names must be written in capitals (or their own casing) to count: "acl" in prose does not.
        if m.group(1) in _SHORT_NAMES.values() or m.group(1).isupper():
            hits.append((m.start(), _SHORT_NAMES[m.group(1).casefold()], m.end()))
    if not hits:
        return None, None
    _, venue, end = min(hits)
    # "... Machine Learning (ICML 2018)": the year sits inside the short name's parentheses.
    after = re.sub(r"^\s*\(\s*[A-Za-z]+(?=[\s'’]*\d)", "", text[end:end + 40])
    year = _YEAR_AFTER.match(after)
    return venue, _full_year(year.group(1)) if year else None


def find_year(text: str) -> int | None:
    """A four-digit year anywhere in a short text such as a heading."""
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


def _full_year(digits: str) -> int | None:
    value = int(digits)
    if len(digits) == 2:
        value += 2000 if value < 70 else 1900
    return value if 1950 <= value <= 2049 else None


_PROCEEDINGS = re.compile(r"^(?:proceedings\s+of\s+(?:the\s+)?|(?:\d+(?:st|nd|rd|th)\s+))+", re.IGNORECASE)


# Journals named in notes' author lines ("... et al., Nature 2016"); not looked for in prose.
_JOURNALS = {name.casefold(): name for name in (
    "Nature", "Science", "PNAS", "Neural Computation", "Nature Communications", "MICCAI", "IJCV", "TPAMI")}


def known_venue(raw: str) -> str | None:
    """The short name when `raw` is nothing but a venue's name ("ICLR", "Neural Information Processing
    Systems", "Proceedings of the International Conference on Machine Learning"), else None."""
    cleaned = _PROCEEDINGS.sub("", " ".join(raw.split()).strip(" .,;:-()"))
    if cleaned.casefold() in _JOURNALS and cleaned[:1].isupper():
        return _JOURNALS[cleaned.casefold()]
    long = _LONG_RE.fullmatch(cleaned)
    if long:
        return _LONG_NAMES[(long.lastindex or 1) - 1][1]
    short = _SHORT_RE.fullmatch(cleaned)
    if short and (short.group(1) in _SHORT_NAMES.values() or short.group(1).isupper()):
        return _SHORT_NAMES[short.group(1).casefold()]
    return None


def short_venue_any_case(word: str) -> str | None:
    """A venue's short name written in any case ("Iclr", "neurips", "ARXIV"), as the table spells it."""
    return _SHORT_NAMES.get(word.casefold()) or (_JOURNALS.get(word.casefold()) if word[:1].isupper() else None)
