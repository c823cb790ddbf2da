"""Acronyms and their long forms: learned from the corpus's own definitions, and from a glossary.

Definitions are found with the algorithm of Schwartz and Hearst, "A simple algorithm for identifying
abbreviation definitions in biomedical text" (PSB 2003), as their reference implementation runs it:
a parenthesis after a phrase, "long form (LF)", or around one, "LF (long form)", is a candidate; the
short form is 2-10 characters, at most two words, holds a letter and starts with a letter or digit;
the long form is searched for within min(|A| + 5, 2|A|) words before the parenthesis (|A| the short
form's characters) by matching the short form's letters right to left, the first of them at the start
of a word. Written here (no maintained Python package implements it without a language-model stack).

`learn` keeps, per acronym, the long form most often given to it in the corpus (all of them on a tie);
`load_glossary` reads the field's abbreviations a corpus may never define (glossary.tsv beside this
module, and a group's own glossary.tsv in its corpus folder, which adds and overrides entries).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from store.ingest.records import Problem
from store.text.tokenize import analyse, singular_acronym, tokenize, words

GLOSSARY_NAME = "glossary.tsv"
MAX_SHORT_CHARS = 10
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“])|\n\s*\n|\n(?=\s*[-*#])")
_WORD_SPLIT = re.compile(r"[ \t\n\r\f-]+")  # the reference implementation's word separators
_WORD = re.compile(r"[^ \t\n\r\f-]+")



@dataclass(frozen=True, slots=True)
class LongForm:
    text: str  # as shown: "reinforcement learning"
    terms: tuple[str, ...]  # as searched: ("reinforc", "learn")


@dataclass(frozen=True, slots=True)
class Acronym:
    short: str  # as shown: "RL"
    longs: tuple[LongForm, ...]


Acronyms = Mapping[str, Acronym]  # keyed by the acronym's index term ("rl")


# --- Schwartz-Hearst ---


def _has_letter(s: str) -> bool:
    return any(c.isalpha() for c in s)


def _valid_short(short: str) -> bool:
    return bool(short) and _has_letter(short) and (short[0].isalnum() or short[0] == "(")


def _match(short: str, long: str) -> list[int] | None:
    """Where `short`'s letters and digits are found in `long`, right to left (Schwartz-Hearst), or None."""
    at: list[int] = []
    s = len(short) - 1
    lo = len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        # The short form's first character must begin a word of the long form.
        while lo >= 0 and (long[lo].lower() != c or (s == 0 and lo > 0 and long[lo - 1].isalnum())):
            lo -= 1
        if lo < 0:
            return None
        at.append(lo)
        lo -= 1
        s -= 1
    return at[::-1]


def best_long_form(short: str, long: str) -> str | None:
    """The shortest end of `long` whose letters hold `short`'s, right to left (Schwartz-Hearst)."""
    at = _match(short, long)
    if at is None:
        return None
    start = long.rfind(" ", 0, at[0]) + 1
    return long[start:]


def initials_agree(short: str, long: str) -> bool:
    """At least half of the short form's letters (a plural "s" aside) begin a word of the long form.

    Not part of Schwartz-Hearst: the corpus-level filter `learn` adds, because their right-to-left
    match also accepts "RNNs (of keeping a running representation of everything seen up to this
    point)" and "digits (MNIST)" after "the model learns smooth interpolations between digits", where
    one letter of the short form begins a word. Real definitions ("generative adversarial imputation
    network (GAIN)", "Smoothed Bellman Error Embedding (SBEED)") start words with half or more.
    """
    base = singular_acronym(short)
    at = _match(base, long)
    if at is None:
        return False
    starts = sum(1 for i in at if i == 0 or not long[i - 1].isalnum())
    return 2 * starts >= len(at)


def _pair(short: str, long: str) -> tuple[str, str] | None:
    short, long = short.strip(), long.strip()
    if len(short) < 2:
        return None
    size = sum(c.isalnum() for c in short)  # |A|: the short form's letters and digits
    # The paper's window: the long form has at most min(|A| + 5, 2|A|) words.
    starts = [m.start() for m in _WORD.finditer(long)]
    limit = min(size + 5, size * 2)
    if len(starts) > limit:
        long = long[starts[-limit]:]
    best = best_long_form(short, long)
    if best is None:
        return None
    n_words = len([w for w in _WORD_SPLIT.split(best) if w])
    if (len(best) < len(short) or f"{short} " in best or best.endswith(short)
            or n_words > 2 * size or n_words > size + 5 or size > MAX_SHORT_CHARS):
        return None
    return short, best


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if "(" in s]


def definitions(text: str) -> list[tuple[str, str]]:
    """Every (short form, long form) the text defines, in order: "long form (LF)" or "LF (long form)"."""
    found: list[tuple[str, str]] = []
    for sentence in _sentences(text):
        rest = sentence
        while (open_at := rest.find("(")) > -1:
            close_at = rest.find(")", open_at + 1)
            if close_at < 0:
                break
            long = rest[:open_at].strip()
            short = rest[open_at + 1 : close_at].strip()
            if len(short) > 1 and len(long) > 1:
                if "(" in short and (closing := rest.find(")", close_at + 1)) > -1:  # nested: "(A (B))"
                    short = rest[open_at + 1 : closing]
                    close_at = closing
                for sep in (", ", "; "):
                    if (cut := short.find(sep)) > -1:
                        short = short[:cut]
                if len(short.split()) > 2 or len(short) > len(long):
                    # "LF (long form)": the word before the parenthesis is the short form.
                    before = rest[:open_at].rstrip()
                    word = before[before.rfind(" ") + 1 :]
                    long, short = short, word
                    if not any(c.isupper() for c in short):
                        short = ""
                if _valid_short(short) and (pair := _pair(short, long)) is not None:
                    found.append(pair)
            rest = rest[close_at + 1 :]
    return found


# --- what a corpus defines ---


def acronym_term(short: str) -> str | None:
    """The index term an acronym is written as ("GANs" -> "gan"), or None if it is not one term."""
    terms = tokenize(singular_acronym(short))
    return terms[0] if len(terms) == 1 else None


def long_terms(long: str) -> tuple[str, ...]:
    """A long form's terms. Of a hyphenated word, its parts when it has two or more ("short-term":
    "short", "term"), since a writer may leave the hyphen out ("Long Short Term Memory"); else the
    joined word ("out-of-distribution", whose other parts are stop words)."""
    out: list[str] = []
    for word in words(long):
        terms = analyse(word)
        out.extend(terms[1:] if len(terms) > 2 else terms[:1])
    return tuple(dict.fromkeys(out))


def learn(texts: Iterable[str]) -> dict[str, Acronym]:
    """Acronym term -> its long forms: the most frequent per acronym, all of them on a tie.

    Long forms are told apart by their terms ("Generative Adversarial Networks" and "generative
    adversarial network" are one); each is shown as it was most often written.
    """
    counts: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    surfaces: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    written: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        if "(" not in text:
            continue
        for short, long in definitions(text):
            key = acronym_term(short)
            terms = long_terms(long)
            if key is None or len(terms) < 2 or key in terms or not initials_agree(short, long):
                continue
            counts[key][terms] += 1
            surfaces[terms][long.lower()] += 1
            written[key][singular_acronym(short)] += 1
    out: dict[str, Acronym] = {}
    for key, forms in counts.items():
        top = max(forms.values())
        longs = tuple(LongForm(_most_common(surfaces[f]), f) for f in sorted(f for f, n in forms.items() if n == top))
        out[key] = Acronym(_most_common(written[key]), longs)
    return out


def _most_common(counter: Counter[str]) -> str:
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0]


# --- glossaries ---


@dataclass(frozen=True, slots=True)
class Glossary:
    entries: Mapping[str, Acronym]
    problems: tuple[Problem, ...] = ()
    fingerprint: str = ""  # changes when either glossary file does: a saved index is then rebuilt


def parse_glossary(text: str, source: str) -> tuple[dict[str, tuple[str, list[str]]], list[Problem]]:
    """`ACRONYM<TAB>long form[<TAB>another long form]` lines; `#` comments and blank lines are skipped.

    An acronym listed twice keeps every long form given; `ACRONYM<TAB>-` drops the acronym.
    """
    entries: dict[str, tuple[str, list[str]]] = {}
    problems: list[Problem] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in raw.split("\t")]
        short, longs = fields[0], [f for f in fields[1:] if f]
        if len(fields) < 2 or not longs:
            problems.append(Problem(source, n, "expected ACRONYM<TAB>long form"))
            continue
        key = acronym_term(short)
        if key is None or len(short) > MAX_SHORT_CHARS:
            problems.append(Problem(source, n, f"{short!r} is not an acronym (one word, 2-10 characters)"))
            continue
        if longs == ["-"]:
            entries[key] = (short, [])
            continue
        bad = [lf for lf in longs if len(long_terms(lf)) < 1 or key in long_terms(lf)]
        if bad:
            problems.append(Problem(source, n, f"long form {bad[0]!r} has no searchable words of its own"))
            continue
        previous = entries.get(key)
        kept = previous[1] if previous else []
        entries[key] = (short, kept + [lf for lf in longs if lf not in kept])
    return entries, problems


def load_glossary(corpus_dir: Path | None = None) -> Glossary:
    """The bundled glossary, with the corpus folder's glossary.tsv (if any) adding and overriding entries.

    A group's entry for an acronym replaces the bundled one; a line it cannot read is reported with its
    file and line, and the rest still loads.
    """
    bundled = files("store.search").joinpath(GLOSSARY_NAME).read_text(encoding="utf-8")
    entries, problems = parse_glossary(bundled, f"store/search/{GLOSSARY_NAME}")
    digest = hashlib.sha256(bundled.encode())
    if corpus_dir is not None and (path := Path(corpus_dir) / GLOSSARY_NAME).is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(GLOSSARY_NAME, 0, f"cannot be read: {exc}"))
        else:
            digest.update(text.encode())
            own, own_problems = parse_glossary(text, GLOSSARY_NAME)
            problems.extend(own_problems)
            entries.update(own)
    kept = {k: Acronym(short, tuple(LongForm(lf, long_terms(lf)) for lf in longs))
            for k, (short, longs) in entries.items() if longs}
    return Glossary(kept, tuple(problems), digest.hexdigest()[:16])


def merge(learned: Acronyms, glossary: Acronyms) -> dict[str, Acronym]:
    """The corpus's own definitions first, then the glossary's other long forms for the same acronym."""
    out = dict(glossary)
    for key, own in learned.items():
        known = {lf.terms for lf in own.longs}
        extra = tuple(lf for lf in glossary[key].longs if lf.terms not in known) if key in glossary else ()
        out[key] = Acronym(glossary[key].short if key in glossary else own.short, own.longs + extra)
    return out
