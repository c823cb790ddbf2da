"""`explain_shown` (each field searched for the query's terms where their keys are) answers as `explain`
(every field tokenised), and a term's key is in every word that yields the term."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.library import Library
from store.search.index import SearchIndex
from store.search.results import PaperView, SummaryView
from store.search.why import explain, explain_shown, key, wanted
from store.text.tokenize import _OGUE, _OUR, WHOLE_SPELLINGS, tokenize

# Words whose terms the stemmer or the American spelling writes letters into, and words with characters
# their terms lose: each term's key must still be in the word.
TRICKY = """probability probabilities probably stability sensitivity dying lying tying skies sky happy happiness
hoping hopping realise realised realisation realising organisational organisation analyse analysing analysed
paralysed colour colours coloured colourful favourite favourites behavioural behaviourist neighbours odour
centre centred centres fibre fibres metre litre theatre calibre programme defence licence offence grey ageing
manoeuvre manoeuvres catalogue catalogued dialogues relational rotational generalization generalisation
effectiveness ugly early only gently idly singly ties tied agreed luxuriating electrical hopeful formalize
formalise optimisers tokenisers regularisation visualisation out-of-distribution 10,000-layer 1,000,000 don't
Bengio's CNNs ViTs GANs LSTMs RL's self-attention state-of-the-art ill-posed re-ranking co-training
multi-head fine-tuned news atlas cosmos bias andes howe inning outing proceed exceed succeed herring
generous universal communication arsenal emergency later past ability capabilities responsibility
nobility agility""".split()  # noqa: SIM905 (a word list reads best as text)

LETTERS = "abcdeilnorstuyzg"
SUFFIXES = ["", "s", "es", "ed", "ing", "ly", "er", "ation", "ational", "ise", "isation", "ised", "our", "oured",
            "ourite", "yse", "ogue", "ility", "ilities", "ably", "ness", "fully", "iveness", "ivity", "ically",
            "icate", "alism", "ality", "ement", "ency", "y", "ies", "ied", "ying", "eed", "ingly", "ative", "alize",
            "ogued", "ogues", "ourist", "ourful", "ysing", "isers", "ourable", "ourless"]


def _found(term: str, word: str) -> bool:
    return key(term) in word.lower().replace("-", "").replace("'", "").replace(",", "")


@pytest.mark.parametrize("word", TRICKY)
def test_a_terms_key_is_in_the_word(word: str) -> None:
    for term in tokenize(word):
        assert _found(term, word), (word, term, key(term))


@settings(max_examples=2000, deadline=None)
@given(st.text(LETTERS, min_size=1, max_size=9), st.sampled_from(SUFFIXES),
       st.sampled_from(["", "-", "'s", ",000"]), st.booleans())
def test_a_terms_key_is_in_any_word(stem: str, suffix: str, joint: str, capital: bool) -> None:
    word = f"{stem}{suffix}{joint}{suffix if joint == '-' else ''}"
    word = word.capitalize() if capital else word
    for term in tokenize(word):
        assert _found(term, word), (word, term, key(term))


def _alternatives(pattern: re.Pattern[str], group: str) -> list[str]:
    return re.search(rf"\(\?P<{group}>([^)]*)\)", pattern.pattern)[1].split("|")  # type: ignore[index]


def test_a_terms_key_is_in_every_british_spelling() -> None:
    """Every word `american` respells by a list (store.text.tokenize): "colour", "catalogued", "manoeuvre"."""
    words = [*WHOLE_SPELLINGS, *(f"{s}our{e}" for s in _alternatives(_OUR, "stem") for e in _alternatives(_OUR, "end")),
             *(f"{s}ogue{e}" for s in _alternatives(_OGUE, "stem") for e in _alternatives(_OGUE, "end"))]
    assert len(words) > 300
    for word in words:
        for term in tokenize(word):
            assert _found(term, word), (word, term, key(term))


def test_keys_leave_out_the_letters_a_stem_may_have_written() -> None:
    assert key("transform") == "transform" and key("network") == "network"
    assert key("probabl") == "probab" and key("die") == "d" and key("sky") == "sk" and key("happi") == "happ"
    assert key("color") == "colo" and key("realiz") == "reali" and key("maneuv") == "man" and key("center") == "cent"


def _paper(title: str, topics: list[str], authors: list[str], summaries: list[str]) -> PaperView:
    return PaperView(id=1, title=title, authors=tuple(authors), venue=None, year=None, topics=tuple(topics),
                     link=None, summaries=tuple(SummaryView("a.txt", i, s) for i, s in enumerate(summaries)),
                     added_at=datetime(2024, 1, 1))


# ... and words whose terms' keys are one letter ("q", "a" of "ae"), looked for at word starts only.
_WORDS = st.sampled_from([*TRICKY, "model", "models", "modelling", "learning", "learned", "network", "neural",
                          "reinforcement", "(RL)", "RL", "deep", "Transformer", "transformers", "the", "of",
                          "Q-learning", "Q", "q", "AE", "AEs", "ae", "x-ray", "k-means", "unique", "quality", "aero"])
_GLUE = st.sampled_from([" ", " ", " ", ", ", ". ", "-", "\n", "\n\n", " * ", " (", ") ", "/", "'", ":", "é "])
_TEXT = st.lists(st.tuples(_WORDS, _GLUE), max_size=40).map(lambda ws: "".join(w + g for w, g in ws))


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    papers = [_paper("Deep reinforcement learning (RL) for colour models", ["Reinforcement Learning"],
                     ["Ann Bengio"], ["Reinforcement learning (RL) agents learn by trial and error."])]
    return SearchIndex.build(papers)


@settings(max_examples=400, deadline=None)
@given(title=_TEXT, topics=st.lists(_TEXT, max_size=3), authors=st.lists(_TEXT, max_size=3),
       summaries=st.lists(_TEXT, max_size=3), query=st.lists(_WORDS, min_size=1, max_size=4))
def test_explain_shown_is_explain(index: SearchIndex, title: str, topics: list[str], authors: list[str],
                                  summaries: list[str], query: list[str]) -> None:
    paper = _paper(title, topics, authors, summaries)
    text = " ".join(query)
    q, terms = index.read(text), index._why_terms(text)
    assert explain_shown(paper, terms, q, wanted(terms, q)) == explain(paper, terms, q)


async def test_explain_shown_is_explain_on_the_seeds(seeded_library: Library) -> None:
    index = seeded_library.index
    papers = list(seeded_library.catalog)
    queries = [p.title for p in papers] + [" ".join(p.topics) for p in papers] + ["RL", "GAN", "lottery ticket",
                                                                                  "colour", "probability"]
    compared = 0
    for text in queries:
        if not text.strip():
            continue
        q, terms = index.read(text), index._why_terms(text)
        look_for = wanted(terms, q)
        for paper in papers:
            assert explain_shown(paper, terms, q, look_for) == explain(paper, terms, q), (text, paper.title)
            compared += 1
    assert compared > 10_000

