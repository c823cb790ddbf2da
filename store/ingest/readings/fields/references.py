"""A formatted reference's authors and title, read by a CRF (python-crfsuite) trained on citations citeproc-py
renders in the tuning CSL styles (`bench/citations/train.py` makes `references.crfsuite`, shipped beside this
module).

A reference line is cut into tokens (a word, or one character of punctuation), each tagged B (a name starts),
I (inside a name), S (between names: ",", "and", "&", "et al."), T (the title) or O (anything else). The
names are the B-I runs as the line writes them, put in display order ("He, K." -> "K. He", Vancouver's
"He K" -> "K He"); the title is the one run of T tokens, and it ends at punctuation or before "in" and a
capitalised word ("Title in Proceedings of ...", as some styles print it with no stop). `read_reference`
returns None unless the tagger is sure of every name and of the title (`MIN_MARGINAL`): a name and a title
are never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from store.ingest.readings.fields.listitems import without_bullet

MODEL = Path(__file__).with_name("references.crfsuite")
MIN_MARGINAL = 0.8  # the least marginal probability of any name or title token the reader accepts
TOKEN = re.compile(r"\w+|[^\w\s]")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_QUOTES = "\"“”„«»‘’'"
_INITIALS = re.compile(r"^[A-Z]{1,3}(?:-[A-Z]{1,2})?$")  # Vancouver's "K", "AN", "C-J"

_NUMBER = re.compile(r"^\s*(?:[-*+•]\s+)?(?:\*\*|__)?(?:\[\d{1,4}\]|\(\d{1,4}\)|\d{1,4}\.?)(?:\*\*|__)?\s+(?=\S)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_EMPHASIS = re.compile(r"(?<!\w)(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1(?!\w)")

Token = tuple[str, int, int]  # text, start, end


def clean(line: str) -> str:
    """A reference line without what a note wraps it in: its bullet and number ("- ", "[12]", "**[12]**", "12.",
    "(3)"), Markdown links (their text kept) and emphasis (bold, italics)."""
    line = _NUMBER.sub("", without_bullet(line))
    line = _LINK.sub(lambda m: m.group(1), line)
    for _ in range(2):
        line = _EMPHASIS.sub(lambda m: m.group(2), line)
    return " ".join(line.split())


def tokens(line: str) -> list[Token]:
    return [(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(line)]


def _shape(word: str) -> str:
    if word.isdigit():
        return "year" if _YEAR.match(word) else f"d{min(len(word), 4)}"
    if not word[0].isalnum():
        return word if word in ".,:;()[]&" else ("q" if word in _QUOTES else "p")
    if word.isupper():
        return "A" if len(word) == 1 else ("AA" if len(word) <= 3 else "AAAA")
    if word[0].isupper():
        return "Aa"
    return "a" if word.islower() else "aA"


def features(toks: list[Token]) -> list[list[str]]:
    """Each token's features: its word (lower case), shape, spacing, and where it stands in the line (after
    how many full stops, a year, an open quote, a colon), with its neighbours' words and shapes."""
    shapes = [_shape(w) for w, _, _ in toks]
    words = [w.lower() for w, _, _ in toks]
    out: list[list[str]] = []
    stops = quotes = colons = 0
    year = False
    for i, (word, start, _end) in enumerate(toks):
        spaced = i == 0 or toks[i - 1][2] < start
        glued = i + 1 < len(toks) and toks[i + 1][1] == toks[i][2]
        f = [f"w={words[i]}", f"s={shapes[i]}", f"sp={spaced}", f"gl={glued}", f"stops={min(stops, 4)}",
             f"year={year}", f"quote={quotes % 2}", f"colon={min(colons, 2)}", f"pos={min(i, 12)}",
             f"rel={10 * i // max(len(toks), 1)}", f"len={min(len(word), 8)}"]
        for d in (-2, -1, 1, 2):
            j = i + d
            if 0 <= j < len(toks):
                f += [f"{d}:w={words[j]}", f"{d}:s={shapes[j]}"]
            else:
                f.append(f"{d}:edge")
        f.append(f"s-1s={shapes[i - 1] if i else '^'}|{shapes[i]}|{shapes[i + 1] if i + 1 < len(toks) else '$'}")
        out.append(f)
        if word == "." and spaced is False and i + 1 < len(toks) and toks[i + 1][1] > toks[i][2]:
            stops += 1
        quotes += word in "\"“”"
        colons += word == ":"
        year = year or bool(_YEAR.match(word))
    return out


def labels_for(line: str, title: str, names: list[tuple[int, int]]) -> list[str]:
    """Training labels: `title` and each name's character span (start, end) in `line`; names' neighbours S."""
    toks = tokens(line)
    t0 = line.index(title)
    t1 = t0 + len(title)
    labels = []
    for _w, start, end in toks:
        if t0 <= start and end <= t1:
            labels.append("T")
            continue
        label = "O"
        for n0, n1 in names:
            if n0 <= start and end <= n1:
                label = "B" if start == n0 else "I"
        labels.append(label)
    first = next((i for i, label in enumerate(labels) if label == "B"), None)
    last = max((i for i, label in enumerate(labels) if label in "BI"), default=-1)
    if first is not None:
        for i in range(first, last + 1):
            labels[i] = "S" if labels[i] == "O" else labels[i]
        after = last + 1  # "et al." just after the last name
        while after < len(toks) and toks[after][0].lower() in ("et", "al", ".", ",", "and", "others"):
            labels[after] = "S"
            after += 1
    return labels


@cache
def _tagger():  # pycrfsuite has no type hints
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(MODEL))
    return tagger


@dataclass(frozen=True, slots=True)
class Reading:
    title: str
    authors: list[str]
    incomplete: bool  # "et al." or "others" after the names
    rest: str  # the line after the title (venue, year, link)


def display(name: str) -> str:
    """A name as the citation writes it, in display order: "He, K." -> "K. He", "He K" -> "K He"."""
    name = name.strip(" ,;:([{")
    if "," not in name and re.search(r"\s[A-Z]{1,3}(?:-[A-Z]{1,2})?\.$", name):
        name = name[:-1]  # Vancouver's "Sun J." ends the list with a full stop
    if re.search(r"\w[a-z]\.$", name):
        name = name[:-1]  # "and Jimmy Ba." ends the list, not an initial
    if "," in name:
        last, _, first = name.partition(",")
        return f"{first.strip()} {last.strip()}"
    parts = name.split()
    if len(parts) >= 2 and _INITIALS.match(parts[-1]) and not _INITIALS.match(parts[0]):
        return " ".join([parts[-1], *parts[:-1]])
    return name


def _runs(labels: list[str], want: str) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i, label in enumerate(labels):
        if label == want and runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        elif label == want:
            runs.append((i, i + 1))
    return runs


def _quoted(toks: list[Token], t0: int, t1: int) -> bool:
    """Whether quotes open just before the title and close just after it ("Title", "Title," or "Title.")."""
    def quote(i: int) -> bool:
        return 0 <= i < len(toks) and toks[i][0] in _QUOTES
    return quote(t0 - 1) and (quote(t1) or (t1 < len(toks) and toks[t1][0] in ".,?!" and quote(t1 + 1)))


def _in_venue(toks: list[Token], i: int) -> bool:
    """Whether "in" and a capitalised word start at token `i`: where the title ends when a style puts no stop
    before its venue ("Title in Proceedings of ...", "Title in ICLR")."""
    return (i + 1 < len(toks) and toks[i][0].lower() == "in" and toks[i + 1][0][:1].isupper()
            and toks[i + 1][1] > toks[i][2])


def read_reference(line: str) -> Reading | None:
    """The authors and title of a reference line, or None when the tagger is not sure of them."""
    toks = tokens(line)
    if len(toks) < 4 or not MODEL.is_file():
        return None
    tagger = _tagger()
    labels = tagger.tag(features(toks))
    titles = _runs(labels, "T")
    if not titles or "B" not in labels:
        return None
    if len(titles) > 1:
        return None  # a title in pieces: where it ends is not known
    t0, t1 = titles[0]
    spans: list[tuple[int, int]] = []
    for i, label in enumerate(labels[:t0]):
        if label == "B":
            spans.append((i, i + 1))
        elif label == "I" and spans and spans[-1][1] == i:
            spans[-1] = (spans[-1][0], i + 1)
        elif label == "I":
            return None  # a name without its start
    end = [] if _quoted(toks, t0, t1) or t1 == len(toks) else [t1]  # where the title ends, unless quotes say
    sure = [i for a, b in [*spans, (t0, t1)] for i in range(a, b)] + end
    if not spans or min(tagger.marginal(labels[i], i) for i in sure) < MIN_MARGINAL:
        return None
    if any(label in "BI" for label in labels[t1:]):
        return None  # names after the title: not a reference this reader knows
    if t1 < len(toks) and toks[t1][0][0].isalnum() and not _in_venue(toks, t1):
        return None  # a title ends at punctuation ("Title. Venue", "“Title”, in"), never inside a phrase
    between = {toks[i][0].lower() for i in range(spans[-1][1], t0) if labels[i] == "S"}
    title = line[toks[t0][1]:toks[t1 - 1][2]].strip(_QUOTES + " ,")
    authors = [display(line[toks[a][1]:toks[b - 1][2]]) for a, b in spans]
    return Reading(title, authors, bool(between & {"et", "others"}), line[toks[t1 - 1][2]:])
