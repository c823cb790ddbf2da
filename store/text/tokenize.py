"""Words to index terms for English scientific text.

Case and accents are folded, English stop words dropped, British spellings written the American way
("normalise", "colour", "analyse", "centre" -> "normalize", "color", "analyze", "center"; Snowball
leaves them apart), the plural of an acronym folded to the acronym ("CNNs" -> "cnn": Snowball keeps
the "s" of a word without a vowel), and every word stemmed with Snowball (PyStemmer). A hyphenated
word ("out-of-distribution", "10,000-layer") yields its joined form and its parts, so it matches
whether a member types it whole or in pieces. Each distinct surface word is analysed once and cached:
tokenising 100,000 abstracts is then mostly dictionary look-ups.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain

import Stemmer

from store.text.folding import unaccented

STOP_WORDS = frozenset(
    """
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't
she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then
there there's these they they'd they'll they're they've this those through to too under until up very was
wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who who's whom
why why's will with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves via
using use used et al e g eg i e ie vs etc paper papers
"""  # noqa: SIM905 (a word list reads best as text)
    .split()
)

_WORD = re.compile(r"\d{1,3}(?:,\d{3})+(?:-[^\W_]+)*|[^\W_]+(?:[-'’][^\W_]+)*")
_STEMMER = Stemmer.Stemmer("english", 0)  # no cache of its own: ours below hold every word met
_CACHE: dict[str, tuple[str, ...]] = {}


# British -> American spelling, before stemming (Snowball stems "normalise" to "normalis" and
# "normalize" to "normal"). -ise/-isation become -ize/-ization except in words that only have -ise.
_ISE = re.compile(r"^(?P<stem>[a-z]{3,}?)is(?P<end>e|es|ed|ing|er|ers|ation|ations|ational|able)$")
_ISE_ONLY = ("wis", "ais", "ois", "uis", "advis", "revis", "devis", "supervis", "televis", "improvis", "promis",
             "premis", "surpris", "enterpris", "compris", "exercis", "expertis", "advertis", "merchandis",
             "franchis", "chastis", "precis", "concis", "excis", "incis", "despis", "surmis", "demis",
             "paradis", "treatis", "circumcis")
_ISE_ONLY_EXACT = frozenset({"aris", "ris", "sunris", "upris", "cris", "mis"})
_YSE = re.compile(r"^(?P<stem>[a-z]*l)ys(?P<end>e|es|ed|ing|er|ers)$")  # analyse, paralyse, catalyse
_OUR = re.compile(r"^(?P<stem>behavi|col|fav|neighb|lab|hon|hum|harb|vap|rum|flav|sav|vig|rig|endeav|arm|od|tum"
                  r"|val|splend|cand|ferv|parl)our(?P<end>|s|ed|ing|al|ally|ist|ists|ism|ful|able|ite|ites|less)$")
_OGUE = re.compile(r"^(?P<stem>catal|dial|anal|prol|epil|monol)ogue(?P<end>|s|d)$")
# Whole words spelt otherwise in American English: `american` maps them, and why.py keys a query term by them.
WHOLE_SPELLINGS = {
    "centre": "center", "centres": "centers", "centred": "centered", "fibre": "fiber", "fibres": "fibers",
    "metre": "meter", "metres": "meters", "litre": "liter", "theatre": "theater", "calibre": "caliber",
    "programme": "program", "programmes": "programs", "defence": "defense", "defences": "defenses",
    "licence": "license", "offence": "offense", "grey": "gray", "ageing": "aging", "manoeuvre": "maneuver"}


def american(word: str) -> str:
    """A folded word spelt the American way ("regularisation" -> "regularization"), else itself."""
    if len(word) < 4 or not word.isalpha():
        return word
    if (whole := WHOLE_SPELLINGS.get(word)) is not None:
        return whole
    if "is" in word and (m := _ISE.match(word)):
        stem = m["stem"] + "is"
        if stem not in _ISE_ONLY_EXACT and not stem.endswith(_ISE_ONLY):
            return f"{m['stem']}iz{m['end']}"
        return word
    if "our" in word and (m := _OUR.match(word)):
        return f"{m['stem']}or{m['end']}"
    if "lys" in word and (m := _YSE.match(word)):
        return f"{m['stem']}yz{m['end']}"
    if "ogue" in word and (m := _OGUE.match(word)):
        return f"{m['stem']}og{m['end']}"
    return word


def singular_acronym(word: str) -> str:
    """"CNNs" -> "CNN", "ViTs" -> "ViT": an acronym's plural (as written: two capitals, then "s")."""
    word = word.rstrip("'’")
    if len(word) > 2 and word[-1] == "s" and (word[-2].isupper() or word[-2].isdigit()) and (
            sum(c.isupper() for c in word) >= 2):
        return word[:-1]
    return word


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(american(word))


def analyse(word: str) -> tuple[str, ...]:
    """The index terms of one surface word (cached)."""
    terms = _CACHE.get(word)
    if terms is not None:
        return terms
    w = unaccented(singular_acronym(word)).replace("’", "'")
    w = re.sub(r"(?<=\d),(?=\d{3})", "", w)
    w = w.removesuffix("'s").replace("'", "")
    parts = [p.replace(",", "") for p in w.split("-") if p]
    out: list[str] = []
    if len(parts) > 1:
        joined = "".join(parts)
        out.append(_stem(joined))
        out.extend(_stem(p) for p in parts if p not in STOP_WORDS)
    elif parts and parts[0] not in STOP_WORDS and (len(parts[0]) > 1 or parts[0].isdigit()):
        out.append(_stem(parts[0]))
    terms = tuple(dict.fromkeys(out))
    if len(_CACHE) < 2_000_000:
        _CACHE[word] = terms
    return terms


def words(text: str) -> list[str]:
    return _WORD.findall(text)


# ASCII characters that can never be part of a word become spaces, so `str.split()` (fast, in C) cuts
# the text into chunks no word crosses; the regex then runs once per distinct chunk, not once per text.
_BREAKS = str.maketrans({c: " " for c in map(chr, range(128)) if not (c.isalnum() or c in "-',")})
_CACHE_LIMIT = 2_000_000


class _ChunkTerms(dict[str, tuple[str, ...]]):
    """Index terms of one whitespace-delimited chunk ("learning," or "out-of-distribution"), cached."""

    def __missing__(self, chunk: str) -> tuple[str, ...]:
        if chunk.isascii() and chunk.isalnum():  # a plain word or number, most new chunks: `analyse` in short
            word = singular_acronym(chunk).lower()
            terms: tuple[str, ...] = ((_stem(word),) if word not in STOP_WORDS and (len(word) > 1 or word.isdigit())
                                      else ())
        else:
            terms = _analysed(chunk)
        if len(self) < _CACHE_LIMIT:
            self[chunk] = terms
        return terms


def _analysed(chunk: str) -> tuple[str, ...]:
    """The terms of a chunk other than a plain word or number: its words', each analysed (and cached)."""
    return tuple(t for w in _WORD.findall(chunk) for t in analyse(w))


_CHUNKS = _ChunkTerms()


def drain(mapping: dict) -> None:  # type: ignore[type-arg]
    """Empty a large dict an entry at a time: freeing a million entries in one `del` or `clear()` is one C
    call holding the interpreter lock (a tenth of a second at 100,000 papers); a loop lets other threads in.
    Another thread emptying it meanwhile is no error."""
    pop = mapping.popitem
    with contextlib.suppress(KeyError):
        while mapping:
            pop()


def forget() -> None:
    """Empty the caches of analysed words and chunks. A full index build fills the words' with every distinct
    word of the corpus that is not plain letters or digits (its chunks are not cached: `chunk_terms`), and
    queries fill both; a serving process would carry them for nothing: queries meet few of them. Called after
    a build; the answers never depend on the caches.
    Emptied an entry at a time: one `clear()` of millions of entries is a C call that holds the interpreter
    lock for a tenth of a second or more, and the event loop waits; a loop lets other threads in."""
    drain(_CHUNKS)
    drain(_CACHE)
    _stem.cache_clear()  # at most 200,000 entries


def chunks(text: str) -> list[str]:
    """The text cut at characters that are never inside a word."""
    return text.translate(_BREAKS).split()


def tokenize(text: str) -> list[str]:
    """Index terms of a text, in order, with repeats (term frequency matters to BM25)."""
    return list(chain.from_iterable(map(_CHUNKS.__getitem__, chunks(text))))


def tokenize_parts(text: str, spans: Iterable[tuple[int, int]]) -> list[list[str]]:
    """`[tokenize(text[a:b]) for a, b in spans]`, with the text cut once instead of once per part.

    /ask tokenises every sentence of sixteen summaries per question: one translation of each summary
    instead of one per sentence is a quarter of that work. (Translation maps character to character,
    so a slice of the translated text is the translation of the slice.)
    """
    marked = text.translate(_BREAKS)
    get = _CHUNKS.__getitem__
    return [list(chain.from_iterable(map(get, marked[a:b].split()))) for a, b in spans]


class TermIds(dict[str, tuple[int, ...]]):
    """Chunk -> term ids, the vocabulary growing as new terms are met: text by text and chunk by chunk,
    the plain statement of what an index build computes (store.search.layout does it at array speed,
    and tests/search/test_layout.py holds it to this).
    """

    def __init__(self, vocabulary: dict[str, int] | None = None) -> None:
        super().__init__()
        self.vocabulary: dict[str, int] = {} if vocabulary is None else vocabulary

    def __missing__(self, chunk: str) -> tuple[int, ...]:
        vocab = self.vocabulary
        ids = tuple(vocab.setdefault(t, len(vocab)) for t in _CHUNKS[chunk])
        self[chunk] = ids
        return ids

    def of(self, text: str) -> Iterator[int]:
        """Term ids of a text, in order, with repeats."""
        return chain.from_iterable(map(self.__getitem__, chunks(text)))


def chunk_terms(new: Sequence[str]) -> list[tuple[str, ...]]:
    """The index terms of many chunks (`chunks` cuts a text into chunks), as `_CHUNKS` gives them.

    An index build meets tens of thousands of new chunks at once; the plain words among them (most)
    are stemmed in one call instead of one call each. They are not cached: the build keeps each chunk's
    terms itself (store.search.layout), and a cache of every chunk of the corpus would be some hundred MB
    at a million papers, beside the index still answering.
    """
    out: list[tuple[str, ...]] = []
    plain: list[int] = []
    for chunk in new:
        terms = _CHUNKS.get(chunk)
        if terms is None:
            if chunk.isascii() and chunk.isalnum():
                word = singular_acronym(chunk).lower()
                if word not in STOP_WORDS and (len(word) > 1 or word.isdigit()):
                    plain.append(len(out))
                terms = ()
            else:
                terms = _analysed(chunk)
        out.append(terms)
    words = [american(singular_acronym(new[i]).lower()) for i in plain]
    for i, stem in zip(plain, _STEMMER.stemWords(words), strict=True):
        out[i] = (stem,)
    return out


def query_terms(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """(word as typed, its terms) for each meaningful query word: the basis of "why it matched"."""
    return [(w, ts) for w in _WORD.findall(text) if (ts := analyse(w))]
