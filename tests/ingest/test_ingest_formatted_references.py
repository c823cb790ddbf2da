"""Formatted references in any common style (shapes/reference.py, read by the CRF of fields/references.py), to
exact values.

`tests/data/shapes/formatted-references.md` is a reading list as members paste one: IEEE (`[12]`, `**[13]**`,
quoted titles, a trailing link and stars) and ACM (full names), MLA and Chicago (`Last, First` for the first
author only, "et al.", an italic title, an emoji), Vancouver (`LeCun Y`, a journal abbreviation) and Nature
(`&`, a bold volume), Springer LNCS and Elsevier (a comment in parentheses), lines that are no
reference, and references pasted line by line in one paragraph (each line a paper, the writer's line after
them the last one's summary). The shape defers: with it, the prose reader finds every paper it finds without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from store.ingest import parse_file
from store.ingest.readings.fields.references import display
from store.ingest.readings.prose import read_prose
from store.ingest.readings.shapes import SHAPES, reference
from store.ingest.readings.shapes.reference import match_formatted
from store.ingest.structure.markdown import read_structure, split_blocks

DATA = Path(__file__).parent.parent / "data"
FIXTURE = DATA / "shapes" / "formatted-references.md"
WITHOUT = tuple(shape for shape in SHAPES if shape is not reference.SHAPE)

EXPECTED = [
    ("Deep residual learning for image recognition", ["K. He", "X. Zhang", "S. Ren", "J. Sun"], "CVPR", 2016, 7,
     None),
    ("Attention is all you need", ["A. Vaswani", "N. Shazeer", "N. Parmar", "J. Uszkoreit", "L. Jones", "A. N. Gomez",
                                   "Ł. Kaiser", "I. Polosukhin"], "NeurIPS", 2017, 9, "https://arxiv.org/abs/1706.03762"),
    ("BERT: Pre-training of deep bidirectional transformers for language understanding",
     ["Jacob Devlin", "Ming-Wei Chang", "Kenton Lee", "Kristina Toutanova"], "NAACL", 2019, 11, None),
    ("Reinforcement learning: An introduction", ["Richard S. Sutton", "Andrew G. Barto"], None, 2018, 15, None),
    ("Generative Adversarial Nets", ["Ian Goodfellow"], "NeurIPS", 2014, 16, None),
    ("Long Short-Term Memory", ["S. Hochreiter", "J. Schmidhuber"], None, 1997, 17, None),
    ("Deep learning", ["Y LeCun", "Y Bengio", "G Hinton"], None, 2015, 21, None),
    ("Dropout: a simple way to prevent neural networks from overfitting",
     ["N Srivastava", "G Hinton", "A Krizhevsky", "I Sutskever", "R Salakhutdinov"], None, 2014, 22, None),
    ("Mastering the game of Go with deep neural networks and tree search",
     ["D. Silver", "A. Huang", "C. J. Maddison", "A. Guez"], None, 2016, 23, None),
    ("Batch normalization: accelerating deep network training", ["S. Ioffe", "C. Szegedy"], "ICML", 2015, 27, None),
    ("Distributed representations of words and phrases and their compositionality",
     ["T. Mikolov", "I. Sutskever", "K. Chen", "G.S. Corrado", "J. Dean"], "NeurIPS", 2013, 28, None),
    ("Deep learning", ["Y. LeCun", "Y. Bengio", "G. Hinton"], "Nature", 2015, 37, None),
    ("Adam: A method for stochastic optimization", ["Diederik P. Kingma", "Jimmy Ba"], "arXiv", 2014, 38,
     "https://arxiv.org/abs/1412.6980"),
]


def test_a_reading_list_of_formatted_references_gives_each_paper_exactly() -> None:
    parsed = parse_file(FIXTURE, "formatted-references.md")
    assert [(r.title, r.authors, r.venue, r.year, r.line, r.link) for r in parsed.records] == EXPECTED
    assert parsed.problems == []
    assert parsed.records[-1].summary == "We start with the second one."


@pytest.mark.parametrize("line", [
    "We met on 12 March 2016 and talked for an hour about it.",
    "1. Bring your laptop, the slides are at https://example.org/2016.",
    "Smith and Jones (2019) showed that attention is not all you need, in a long and careful study.",
    "- 2019: we read many papers, mostly on transformers, and liked them.",
    "TBD, N/A. 2020. Some title here. Venue.",
    "Stanford University, MIT. 2021. Deep learning for all. Press.",
    "Google Brain, Meta AI. 2021. Scaling laws for everything we know. arXiv.",  # fields.people: organisations
    "[3] See the slides, they are good. 2018.",
    "# K. He, X. Zhang. 2016. Deep residual learning. CVPR.",
])
def test_lines_that_are_no_reference_give_no_paper(line: str) -> None:
    assert match_formatted(line) is None


@pytest.mark.parametrize(("written", "shown"), [
    ("He, K.", "K. He"), ("He K", "K He"), ("Sun J.", "J Sun"), ("Hsieh C-J", "C-J Hsieh"), ("K. He", "K. He"),
    ("Sutton, Richard S.", "Richard S. Sutton"), ("van den Oord, A.", "A. van den Oord"), ("Kaiming He", "Kaiming He"),
    ("Jimmy Ba.", "Jimmy Ba"),
])
def test_names_are_shown_in_display_order_as_the_citation_writes_them(written: str, shown: str) -> None:
    assert display(written) == shown


def _found(text: str, shapes: tuple) -> set[tuple[int, str]]:
    return {(r.line, r.title) for r in read_prose(read_structure(text), "doc.md", shapes).records}


PARAGRAPHS = [block.text for folder in ("notes", "shapes") for path in sorted((DATA / folder).glob("*.md"))
              for block in split_blocks(path.read_text(encoding="utf-8").split("\n"))]
REFERENCES = [line for block in PARAGRAPHS for line in block.split("\n") if match_formatted(line)]
PIECES = (st.sampled_from(PARAGRAPHS)
          | st.sampled_from(REFERENCES)
          | st.sampled_from(REFERENCES).map(lambda line: f"- {line}")
          | st.tuples(st.sampled_from(REFERENCES), st.sampled_from(PARAGRAPHS)).map("\n".join))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, min_size=1, max_size=8))
@example([FIXTURE.read_text(encoding="utf-8")])
def test_adding_the_formatted_reference_shape_never_removes_a_paper_the_other_shapes_find(pieces: list[str]) -> None:
    text = "\n\n".join(pieces)
    assert _found(text, WITHOUT) <= _found(text, SHAPES)
