"""Sentences for /ask: where summaries split, and that no word is lost, invented or moved on the way."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from store.search.sentences import _ABBREV, _BOUNDARY, MIN_WORDS, split_sentences
from store.text.spacing import single_spaced
from store.text.tokenize import tokenize, tokenize_parts


def reference(text: str) -> list[tuple[str, bool]]:
    """The splitting rule with no shortcut: every boundary pattern tried, every piece re-spaced."""
    pieces, start = [], 0
    for m in _BOUNDARY.finditer(text):
        pieces.append(text[start : m.start() + 1 if text[m.start()] in ".!?" else m.start()])
        start = m.end()
    pieces.append(text[start:])
    out, pending = [], ""
    for piece in filter(None, map(single_spaced, pieces)):
        pending = f"{pending} {piece}" if pending else piece
        if not _ABBREV.search(pending):
            out.append((pending, len(pending.split()) >= MIN_WORDS))
            pending = ""
    if pending:
        out.append((pending, len(pending.split()) >= MIN_WORDS))
    return out


def texts(s: list) -> list[str]:
    return [x.text for x in s]


def test_a_sentence_ends_before_a_capital_or_a_digit() -> None:
    text = "We prune the network. Then we retrain it! 3 runs were enough? yes, mostly."
    assert texts(split_sentences(text)) == ["We prune the network.", "Then we retrain it!",
                                            "3 runs were enough? yes, mostly."]


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = "Some tricks, e.g. Dropout and others (cf. Srivastava et al. 2014) help. Fig. 3 shows it."
    assert texts(split_sentences(text)) == ["Some tricks, e.g. Dropout and others (cf. Srivastava et al. 2014) help.",
                                            "Fig. 3 shows it."]


def test_blank_lines_bullets_and_closing_quotes() -> None:
    text = 'First part of the notes\n\n  second part here * a bullet point * "Quoted." Next one.'
    assert texts(split_sentences(text)) == ["First part of the notes", "second part here", "a bullet point",
                                            '"Quoted.', "Next one."]


def test_short_sentences_are_kept_but_not_quotable() -> None:
    sentences = split_sentences("Too short. This one has enough words to quote.")
    assert [(s.text, s.quotable) for s in sentences] == [("Too short.", False),
                                                         ("This one has enough words to quote.", True)]


ALPHABET = st.sampled_from([*"aZ9 .!?*\n\t\"”’)(]", "\n \n", " * ", ". A", "e.g.", "et al.", "Fig.", " the ",
                           "Élan", "\u00a0", "out-of-place"])


@given(st.lists(ALPHABET, max_size=40).map("".join))
def test_same_as_the_plain_rule_and_no_word_lost(text: str) -> None:
    sentences = split_sentences(text)
    assert [(s.text, s.quotable) for s in sentences] == reference(text)
    assert [t for s in sentences for t in tokenize(s.text)] == tokenize(text)
    # /ask tokenises the summary's slices instead of the sentences: the same terms
    assert tokenize_parts(text, [(s.start, s.end) for s in sentences]) == [tokenize(s.text) for s in sentences]


@given(st.text(), st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=6))
def test_tokenize_parts_is_tokenize_of_each_slice(text: str, spans: list[tuple[int, int]]) -> None:
    assert tokenize_parts(text, spans) == [tokenize(text[a:b]) for a, b in spans]


def test_seed_summaries_split_as_the_plain_rule_does() -> None:
    from pathlib import Path

    for path in sorted(Path(__file__).parent.parent.parent.joinpath("seeds").iterdir()):
        text = path.read_text(encoding="utf-8")
        for block in [text, *re.split(r"\n\s*\n", text)]:
            assert [(s.text, s.quotable) for s in split_sentences(block)] == reference(block), path.name
