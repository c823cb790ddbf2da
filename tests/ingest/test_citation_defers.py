"""APA reference lines came after the other shapes, and defer to them: adding the shape never costs a paper.

`tests/data/shapes/apa-mixed.md` mixes references with what other shapes read: a reference followed by a
paragraph naming the same paper inline ("Title by Authors"), a reference followed by a poster line, a
reference in a list followed by prose naming a paper, and a paragraph that opens with a reference and goes
on to name a paper inline. Each of those papers is found, and so are the references. The property: in
documents built from the fixtures' paragraphs and reference lines, the prose reader with every shape finds
every paper (title and line) it finds without the APA shape.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from store.ingest import parse_file
from store.ingest.readings.prose import read_prose
from store.ingest.readings.shapes import SHAPES, citation
from store.ingest.structure.markdown import read_structure, split_blocks

DATA = Path(__file__).parent.parent / "data"
FIXTURE = DATA / "shapes" / "apa-mixed.md"
WITHOUT_APA = tuple(shape for shape in SHAPES if shape is not citation.SHAPE)

EXPECTED = [
    (3, "Exploring the limits of transfer learning with a unified text-to-text transformer",
     ["C. Raffel", "N. Shazeer", "A. Roberts"], "JMLR", 2020, ""),
    (5, "Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer",
     ["Colin Raffel", "Noam Shazeer", "Adam Roberts"], None, None,
     "The second talk covered Exploring the Limits of Transfer Learning with a Unified Text-to-Text Transformer by "
     "Colin Raffel, Noam Shazeer and Adam Roberts. Every task is text in, text out."),
    (7, "Graph attention networks", ["P. Veličković", "G. Cucurull", "A. Casanova"], "ICLR", 2018, ""),
    (9, "Graph Attention Networks", [], None, None, "Attention over a node's neighbours."),
    (13, "Adam: A method for stochastic optimization", ["D. P. Kingma", "J. Ba"], "arXiv", 2014, ""),
    (15, "Deep Sets", ["Manzil Zaheer", "Satwik Kottur", "Siamak Ravanbakhsh"], None, None,
     "Then we read Deep Sets by Manzil Zaheer, Satwik Kottur and Siamak Ravanbakhsh, which is about sets."),
    (17, "Neural Ordinary Differential Equations", ["Ricky Chen", "Yulia Rubanova", "Jesse Bettencourt"], None, None,
     "Smith, J., & Doe, A. (2019). We also skimmed this. Then we read Neural Ordinary Differential Equations by "
     "Ricky Chen, Yulia Rubanova and Jesse Bettencourt."),
]


def test_references_mixed_with_mentions_and_poster_lines_lose_none_of_their_papers() -> None:
    parsed = parse_file(FIXTURE, "apa-mixed.md")
    assert [(r.line, r.title, r.authors, r.venue, r.year, r.summary) for r in parsed.records] == EXPECTED
    assert parsed.problems == []


def _found(text: str, shapes: tuple) -> set[tuple[int, str]]:
    return {(r.line, r.title) for r in read_prose(read_structure(text), "doc.md", shapes).records}


def _paragraphs() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for folder in ("notes", "shapes")
             for path in sorted((DATA / folder).glob("*.md"))]
    return [block.text for text in texts for block in split_blocks(text.split("\n"))]


PARAGRAPHS = _paragraphs()
REFERENCES = [line for block in PARAGRAPHS for line in block.split("\n") if citation.match_reference(line)]
# A reference as a paragraph of its own, as a list item, or as the first line of a paragraph that goes on.
PIECES = (st.sampled_from(PARAGRAPHS)
          | st.sampled_from(REFERENCES)
          | st.sampled_from(REFERENCES).map(lambda line: f"- {line}")
          | st.tuples(st.sampled_from(REFERENCES), st.sampled_from(PARAGRAPHS)).map("\n".join))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, min_size=1, max_size=8))
@example([FIXTURE.read_text(encoding="utf-8")])
def test_adding_the_apa_shape_never_removes_a_paper_the_other_shapes_find(pieces: list[str]) -> None:
    text = "\n\n".join(pieces)
    assert _found(text, WITHOUT_APA) <= _found(text, SHAPES)
