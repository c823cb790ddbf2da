"""Train the formatted-citation reader's CRF (store/ingest/readings/fields/references.crfsuite) on citations
citeproc-py renders in the TUNE styles only (bench.citations.styles): HELD_OUT styles never reach it.

    python -m bench.citations.train [--out PATH]

Each rendering is labelled from citeproc-py's own cuts (`Rendered.title`, `Rendered.authors`): the title's
span, and each name's span found word by word before the title. Variants add what people paste around a
citation (a list number, quotes round the title, "and others" for "et al.", a trailing link, stars, emoji,
a comment); `reshaped` varies a rendering's own parts: the same people's names written in another convention
("Family, G.", "G. Family", "Family G", full names, MLA's first name inverted) joined another way (commas,
semicolons, "and", "&"), the year dropped or moved (after the names, after the title), the title's full stop
dropped before "In". Lines of the seeds' notes are negatives (every token O). Deterministic (a fixed seed):
the same model file byte for byte.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable
from pathlib import Path

from bench.citations import TUNE, all_items
from bench.citations.papers import SEEDS
from bench.citations.render import Rendered, renderer
from store.ingest.readings.fields.references import MODEL, clean, features, labels_for, tokens
from store.text.folding import fold

_WORD = re.compile(r"\w+")
TAILS = ("", "", "", " ⭐⭐⭐", " [pdf](https://example.org/paper.pdf)", " 🔥", " (code: https://github.com/x/y)",
         " - must read!", " [[code]](https://github.com/a/b)", " ★")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def name_spans(text: str, end: int, authors: tuple[str, ...]) -> list[tuple[int, int]] | None:
    """Each name's (start, end) in `text[:end]`, in order, or None if one is not found word by word."""
    toks = [t for t in tokens(text) if t[2] <= end]
    spans: list[tuple[int, int]] = []
    k = 0
    for name in authors:
        want = _words(name)
        while k < len(toks) and (not _words(toks[k][0]) or _words(toks[k][0])[0] not in want):
            k += 1
        if k >= len(toks):
            return None
        start, left, last = toks[k][1], list(want), k
        while k < len(toks) and left:
            w = _words(toks[k][0])
            if w and w[0] in left:
                left.remove(w[0])
                last = k
            elif w or toks[k][0] not in ".,-'’":
                return None
            k += 1
        if left:
            return None
        stop = toks[last][2]
        if k < len(toks) and toks[k][0] == "." and toks[k][1] == stop and len(toks[last][0]) <= 2:
            stop, k = toks[k][2], k + 1  # an initial's full stop
        spans.append((start, stop))
    return spans


def full_names(r: Rendered, item: dict) -> tuple[str, tuple[str, ...]] | None:
    """The citation with each initialled name written out ("He, K." -> "He, Kaiming"), and its names."""
    text, names = r.text, []
    for shown, person in zip(r.authors, item["author"], strict=False):
        family, given = person.get("family", ""), person.get("given", "")
        initials = shown[: -len(family)].strip() if family and shown.endswith(family) else ""
        if not initials or not given or given == initials:
            names.append(shown)
            continue
        if f"{family}, {initials}" in text:
            text = text.replace(f"{family}, {initials}", f"{family}, {given}", 1)
        elif f"{initials} {family}" in text:
            text = text.replace(f"{initials} {family}", f"{given} {family}", 1)
        else:
            return None
        names.append(f"{given} {family}")
    return text, tuple(names)


# Citation shapes made from a TUNE rendering's own parts (names, what lies between them and the title, the
# title, what follows): the same paper's names written in another convention and joined another way, the year
# dropped or moved, the title's closing punctuation dropped before "in". None is any one style's layout; each
# is a way people and house styles vary the parts the TUNE styles already show.
def _initials(given: str, dots: bool, spaced: bool) -> str:
    parts = []
    for word in given.replace(".", " ").split():
        pieces = [p[0] for p in word.split("-") if p]
        mark = "." if dots else ""
        parts.append("-".join(p + mark for p in pieces))
    return (" " if spaced and dots else "").join(parts)


_PERSON_FORMS: dict[str, Callable[[str, str], str]] = {
    "family-initials": lambda given, family: f"{family}, {_initials(given, True, True)}",
    "initials-family": lambda given, family: f"{_initials(given, True, True)} {family}",
    "tight-initials-family": lambda given, family: f"{_initials(given, True, False)} {family}",
    "vancouver": lambda given, family: f"{family} {_initials(given, False, False)}",
    "family-given": lambda given, family: f"{family}, {given}",
    "given-family": lambda given, family: f"{given} {family}",
}


def person_form(given: str, family: str, form: str) -> str:
    """One person in one convention: "Family, G. G.", "G. G. Family", "Family GG", "Given Family", "Family,
    Given", "G.G. Family"."""
    return _PERSON_FORMS.get(form, _PERSON_FORMS["given-family"])(given, family) if given else family


FORMS = ("family-initials", "initials-family", "tight-initials-family", "vancouver", "family-given", "given-family")
SEPARATORS = ((", ", ", and "), (", ", " and "), (", ", ", & "), (", ", " & "), ("; ", "; "), ("; ", "; and "),
              (", ", ", "), ("; ", " & "))


def name_list(people: list[dict], rng: random.Random) -> tuple[str, tuple[str, ...]]:
    """The people as one list in a random convention (the first name inverted alone, as MLA does, sometimes)."""
    form = rng.choice(FORMS)
    first = rng.choice(("family-given", "family-initials")) if form in ("given-family", "initials-family") \
        and rng.random() < 0.3 else form
    if form in ("family-initials", "family-given"):
        sep, last = rng.choice([s for s in SEPARATORS if s[0] == "; "] + [(", ", ", & "), (", ", ", and ")])
    else:
        sep, last = rng.choice(SEPARATORS)
    names = [person_form(p.get("given", ""), p["family"], first if i == 0 else form) for i, p in enumerate(people)]
    if len(names) == 1:
        return names[0], tuple(names)
    return sep.join(names[:-1]) + last + names[-1], tuple(names)


_DOUBLED = re.compile(r"([.,;])(?:\s*[.,;])+")
_YEAR_TEXT = re.compile(r"\s*\((?:19|20)\d\d[a-z]?\)|,?\s(?:19|20)\d\d[a-z]?(?=[.,;:]|$)")


def reshaped(r: Rendered, item: dict, text: str, rng: random.Random) -> tuple[str, tuple[str, ...]] | None:
    """`text` (a cleaned rendering) with its parts varied: names rewritten, the year dropped or moved, the
    title's full stop dropped before "In"; or None when its names are not found."""
    if r.title not in text:
        return None
    t0 = text.index(r.title)
    spans = name_spans(text, t0, r.authors)
    if not spans:
        return None
    pre, mid, post = text[: spans[0][0]], text[spans[-1][1]: t0], text[t0 + len(r.title):]
    names_text, names = name_list(item["author"][: len(r.authors)], rng)
    if (text[spans[-1][1] - 1] == "." and not names_text.endswith(".") and mid[:1] == " "
            and not re.match(r"\s(?:et|and|&)\b", mid)):
        mid = "." + mid  # the list's own full stop, which the last initial held
    if names_text.endswith(".") and mid[:1] == ".":
        mid = mid[1:]  # "Sun, J." holds the list's full stop
    year = str(item.get("issued", {}).get("date-parts", [[None]])[0][0] or "")
    move = rng.random()
    if year and move < 0.5:
        mid, post = (_DOUBLED.sub(r"\1", _YEAR_TEXT.sub("", part)) for part in (mid, post))
        if mid.strip(" .,:") == "" and not mid.strip().endswith(("“", '"')):
            mid = rng.choice((". ", ": ", ", ")) if move < 0.4 else f" ({year}) "
        if move < 0.15:
            quote = post[:1] if post[:1] in "”\"" else ""
            post = quote + rng.choice((f", ({year}).", f" ({year}).", f", {year}.")) + post[len(quote):].lstrip(".,")
    if rng.random() < 0.25 and re.match(r"^[.,]\s[Ii]n:?\s", post):
        post = post[1:].replace(" In", " in", 1)
    return pre + names_text + mid + r.title + post, names


def variants(r: Rendered, item: dict, rng: random.Random) -> list[tuple[str, tuple[str, ...]]]:
    text = clean(r.text)
    out = [(text, r.authors)]
    full = full_names(r, item) if rng.random() < 0.3 else None
    if full is not None and full[0] != r.text:
        out.append((clean(full[0]), full[1]))
    extra = text
    if rng.random() < 0.3 and f"“{r.title}" not in extra and f'"{r.title}' not in extra:
        extra = extra.replace(r.title, rng.choice(('"{}"', "“{}”", "*{}*", "**{}**")).format(r.title), 1)
    if rng.random() < 0.2:
        extra = extra.replace("et al.", "and others", 1)
    extra = clean(extra + rng.choice(TAILS))
    if extra != text:
        out.append((extra, r.authors))
    varied = reshaped(r, item, text, rng)
    if varied is not None and varied[0] != text:
        out.append((clean(varied[0] + rng.choice(TAILS)), varied[1]))
    return out


def examples(seed: int = 24) -> list[tuple[list[list[str]], list[str]]]:
    rng = random.Random(seed)
    out: list[tuple[list[list[str]], list[str]]] = []
    items = all_items()
    for style in TUNE:
        for item in items:
            r = renderer(style).render(item)
            if not r.agrees:
                continue
            for text, names in variants(r, item, rng):
                if r.title not in text:
                    continue
                spans = name_spans(text, text.index(r.title), names)
                if spans is None:
                    continue
                out.append((features(tokens(text)), labels_for(text, r.title, spans)))
    for path in sorted(SEEDS.glob("*.md")):  # the seeds' own lines: no reference among them
        for line in path.read_text(encoding="utf-8").splitlines():
            text = clean(line)
            if len(text.split()) >= 5 and not re.search(r"\(\d{4}\)", text):
                out.append((features(tokens(text)), ["O"] * len(tokens(text))))
    return out


def train(out: Path = MODEL) -> int:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    data = examples()
    for xseq, yseq in data:
        trainer.append(xseq, yseq)
    trainer.set_params({"c1": 0.1, "c2": 0.01, "max_iterations": 150, "feature.possible_transitions": True})
    trainer.train(str(out))
    return len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    n = train(args.out)
    print(f"{n} sequences from {len(TUNE)} TUNE styles; model {args.out} ({args.out.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
