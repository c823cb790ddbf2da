"""What the reader must never do, for any input; and notes built from the conventions read back exactly.

- no record's title carries markup or starts with a key name ("**", "::", backticks, "Title:");
- every author is written in the input (its words, folded, are words of the input): never invented;
- a note rendered in any convention from a title and an author list gives back exactly that title,
  those authors, and "incomplete" exactly when the note says "et al.".
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from store.ingest import parse_text
from store.ingest.readings.fields.authors import clean_author_text
from store.ingest.readings.fields.keys import KEY_NAMES
from store.ingest.structure.markdown import read_structure
from store.text.folding import fold

FRAGMENTS = ["**", "__", "::", ":", "：", "`", "# ", "## ", "### ", "- ", "* ", "|", " | ", "[", "]", "(", ")",
             "[[", "]]", "---", "\n", "\n\n", "Title", "Authors", "Author", "by", " by ", "and", ",", ";", "et al.",
             "作者", "Titel", "#+TITLE:", "authors::", "Summary", "How", "C12: ", " – ", "Kaiming He", "Yann LeCun",
             "Deep Learning", "Attention Is All You Need", "Summarized by ", "2017", "NeurIPS", "https://x.org/a",
             "Rinon Gal1", "Ji Lin*", "†", "¹", "<sup>1</sup>", "Last, First", "van der", "Sohl-Dickstein, Jascha"]
WORDS = st.sampled_from(FRAGMENTS) | st.text(alphabet="abcXYZ é:*_#-|[]()\n", min_size=1, max_size=6)
NOTES = st.lists(WORDS, min_size=1, max_size=60).map("".join)
SUFFIXES = st.sampled_from([".md", ".txt", ".org"])
_MARKUP = re.compile(r"\*\*|__|::|`|\[\[|\]\]")
_KEY_START = re.compile(r"^\s*([^\W\d_][^:：]{0,39}?)\s*[:：]")


def _words(text: str) -> set[str]:
    """The words written, emphasis marks ("_X_") and hyphens apart: a mark is not part of a name."""
    return set(fold(text).replace("-", " ").replace("_", " ").split())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NOTES, SUFFIXES)
def test_no_title_carries_markup_or_a_key_name(text: str, suffix: str) -> None:
    for record in parse_text(text, "note" + suffix, suffix).records:
        assert not _MARKUP.search(record.title), record.title
        key = _KEY_START.match(record.title)
        assert key is None or fold(key.group(1)) not in KEY_NAMES, record.title
        assert record.title.strip() and not record.title.lstrip().startswith(("#", "- ", "|"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NOTES, SUFFIXES)
@example("X\nRinon Gal1", ".md")
@example("X\n作者*X", ".md")  # once read as the one name "作者X": a mark between letters joined two words
@example("X\nJi Lin*X*", ".md")  # once "Ji LinX": emphasis inside a word joined two words
@example("and\n_X_**作者", ".md")  # "X 作者": the emphasis is gone, the words are as written
@example("Kaiming He\nRinon Gal1**Title", ".md")  # once "Rinon Gal1Title": a mark after a digit joined two words
def test_authors_are_never_invented(text: str, suffix: str) -> None:
    written = _words(text)
    written |= {w.rstrip("0123456789") for w in written}  # "Gal1": an affiliation's number is dropped, not invented
    for record in parse_text(text, "note" + suffix, suffix).records:
        for author in record.authors:
            assert _words(author) <= written, (author, text)



@pytest.mark.parametrize(("line", "cleaned"), [
    ("Ji Lin*, Wei-Ming Chen*, Song Han", "Ji Lin, Wei-Ming Chen, Song Han"),  # marks after a name go
    ("Kaiming He¹², Xiangyu Zhang¹", "Kaiming He, Xiangyu Zhang"),
    ("Rinon Gal1*, Yuval Alaluf†", "Rinon Gal, Yuval Alaluf"),
    ("*Ada Lovelace and Charles Babbage†‡", "Ada Lovelace and Charles Babbage"),
    ("Author*Kaiming He", "Author Kaiming He"),  # between two letters a mark parts two words
    ("作者*X", "作者 X"),
    ("Kaiming He²Xiangyu Zhang", "Kaiming He Xiangyu Zhang"),
    ("Rinon Gal1**Title", "Rinon Gal Title"),  # after an affiliation's digit too
    ("Rinon Gal1*Yuval Alaluf", "Rinon Gal Yuval Alaluf"),
    ("Rinon Gal1*, Yuval Alaluf2*", "Rinon Gal, Yuval Alaluf"),
])
def test_marks_are_dropped_without_joining_words(line: str, cleaned: str) -> None:
    assert clean_author_text(line) == (cleaned, False)


@pytest.mark.parametrize(("line", "plain"), [
    ("Ji Lin*X*, Song Han", "Ji Lin X, Song Han"),  # emphasis between two letters parts the words
    ("Kaiming He**Xiangyu Zhang**", "Kaiming He Xiangyu Zhang"),
    ("Ji *Lin*X", "Ji Lin X"),
    ("un*frigging*believable", "un frigging believable"),
    ("Ji Lin*1*, Song Han", "Ji Lin1, Song Han"),  # not between letters: resolved to nothing, as before
    ("**Title:** Deep Nets", "Title: Deep Nets"),
    ("A *b* c and **d**.", "A b c and d."),
])
def test_emphasis_inside_a_word_parts_it_and_leaves_no_mark(line: str, plain: str) -> None:
    [node] = read_structure(line).nodes
    assert node.text == plain


def test_emphasis_in_a_link_text_is_resolved_the_same_way() -> None:
    [node] = read_structure("See [Res**Net**](https://x.org/a) and [**Deep** Nets](https://x.org/b).").nodes
    assert node.links == [("Res Net", "https://x.org/a"), ("Deep Nets", "https://x.org/b")]

FIRST = ["Kaiming", "Yann", "Ashish", "Léon", "Jascha", "Aäron", "Quoc", "Ji", "Rinon", "Diederik", "Ilya", "Mei"]
LAST = ["He", "LeCun", "Vaswani", "Bottou", "Sohl-Dickstein", "van den Oord", "Le", "Lin", "Gal", "Kingma",
        "Sutskever", "Zhang", "de Freitas", "Krizhevsky"]
TITLE_WORDS = ["Deep", "Residual", "Learning", "Attention", "Networks", "Generative", "Models", "Scalable", "Vision",
               "Diffusion", "Graph", "Optimization", "Robust", "Sparse", "Transformers", "Policy", "Contrastive"]
MINOR = ["for", "with", "of", "in", "via"]


@st.composite
def papers(draw: st.DrawFn) -> tuple[str, list[str], bool]:
    words = draw(st.lists(st.sampled_from(TITLE_WORDS), min_size=2, max_size=7, unique=True))
    if len(words) > 3 and draw(st.booleans()):
        words.insert(2, draw(st.sampled_from(MINOR)))
    title = " ".join(words)
    if draw(st.booleans()):
        title = f"{draw(st.sampled_from(TITLE_WORDS))}Net: {title}"
    names = draw(st.lists(st.tuples(st.sampled_from(FIRST), st.sampled_from(LAST)), min_size=1, max_size=6,
                          unique_by=lambda n: n[1]))
    authors = [f"{first} {last}" for first, last in names]
    return title, authors, draw(st.booleans())


def _author_line(authors: list[str], etal: bool, style: int) -> str:
    if style == 0:
        line = ", ".join(authors)
    elif style == 1:
        line = "; ".join(authors)
    elif style == 2:
        line = ", ".join(authors[:-1]) + (" and " if len(authors) > 1 else "") + authors[-1]
    else:
        line = " & ".join(authors)
    return line + (" et al." if etal else "")


CONVENTIONS = [
    lambda t, a: f"Title: {t}\nAuthors: {a}\n\nSome notes on it.\n",
    lambda t, a: f"- **Title**: {t}\n- **Authors**: {a}\n- **Year**: 2020\n\n## Summary\n\nNotes.\n",
    lambda t, a: f"**Title:** {t}  \n**Authors:** {a}\n",
    lambda t, a: f"# {t}\n\nauthors:: {a}\nyear:: 2019\n",
    lambda t, a: f"#+TITLE: {t}\n#+AUTHOR: {a}\n\n* Notes\nText.\n",
    lambda t, a: f"| Field | Value |\n|---|---|\n| Title | {t} |\n| Authors | {a} |\n\nText.\n",
    lambda t, a: f"### Paper:\n{t}\n\n### Author:\n{a}\n\n### Summary\nText.\n",
    lambda t, a: f"# {t}\n\n{a}, ICLR 2021\n\nThe summary.\n",
    lambda t, a: f"## {t}\n{a} - NeurIPS 2020 Oral\n\nThe summary.\n",
    lambda t, a: f"标题：{t}\n作者：{a}\n",
    lambda t, a: f"---\ntitle: {t}\nauthors: {a}\n---\nThe summary.\n",
    lambda t, a: f"# {t}\n\n- **Authors**: {a}\n\nSummarized by Jane Roe\n",
    lambda t, a: f"{t}\n{a}\n\nThe summary.\n",
    lambda t, a: f"**{t}**\n\n{a} (ICML 2019)\n\nThe summary.\n",
    lambda t, a: f"# Paper: {t}\n\n- Authors: {a}\n",
    lambda t, a: f'# Notes on "{t}"\n\n**Authors:** {a}\n',
    lambda t, a: f"## {t} (CVPR 2020)\n\n- **Authors**: {a}\n",
]


@settings(max_examples=300, deadline=None)
@given(papers(), st.integers(0, len(CONVENTIONS) - 1), st.integers(0, 3))
def test_a_note_in_any_convention_reads_back_exactly(paper: tuple[str, list[str], bool], convention: int,
                                                       style: int) -> None:
    title, authors, etal = paper
    text = CONVENTIONS[convention](title, _author_line(authors, etal, style))
    parsed = parse_text(text, "note.md", ".md")
    assert [(r.title, r.authors, r.authors_incomplete) for r in parsed.records] == [(title, authors, etal)], text
    assert all(r.writer in {None, "Jane Roe"} for r in parsed.records)
