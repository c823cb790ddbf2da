"""APA reference lines (as Zotero, Mendeley and Google Scholar copy citations) read as papers, to exact values.

`tests/data/shapes/apa-references.md` is a reading list in that convention: a reference as a paragraph
(with a non-ASCII initial, and the writer's paragraph after it as its summary), a bulleted list of them
("&" and "and" between authors, a CVPR page range, an arXiv id), a numbered one with a full date and a DOI
link, and one with an italic title at an unknown publisher; its opening sentence holds a year in
parentheses and is no paper.
"""

from __future__ import annotations

from pathlib import Path

from store.ingest import parse_file
from store.ingest.readings.fields.authors import apa_pairs, parse_authors
from store.ingest.readings.shapes.citation import match_reference

FIXTURE = Path(__file__).parent.parent / "data" / "shapes" / "apa-references.md"

EXPECTED = [
    ("Attention is all you need",
     ["A. Vaswani", "N. Shazeer", "N. Parmar", "J. Uszkoreit", "L. Jones", "A. N. Gomez", "Ł. Kaiser", "I. Polosukhin"],
     "NeurIPS", 2017, 5, None, "The paper that started it all. We spent the session on multi-head attention."),
    ("Deep residual learning for image recognition", ["K. He", "X. Zhang", "S. Ren", "J. Sun"],
     "CVPR", 2016, 9, None, ""),
    ("Adam: A method for stochastic optimization", ["D. P. Kingma", "J. Ba"],
     "arXiv", 2014, 10, "https://arxiv.org/abs/1412.6980", ""),
    ("Deep learning", ["Y. LeCun", "Y. Bengio", "G. Hinton"],
     "Nature", 2015, 12, "https://doi.org/10.1038/nature14539", ""),
    ("Deep learning for beginners and others", ["I. Goodfellow", "Y. Bengio", "A. Courville"],
     None, 2016, 14, None, ""),
]


def test_a_reading_list_of_apa_references_gives_each_paper_exactly() -> None:
    parsed = parse_file(FIXTURE, "apa-references.md")
    assert [(r.title, r.authors, r.venue, r.year, r.line, r.link, r.summary) for r in parsed.records] == EXPECTED
    assert parsed.problems == []
    assert [(r.arxiv_id, r.doi) for r in parsed.records][2:4] == [("1412.6980", None), (None, "10.1038/nature14539")]


def test_only_lines_whose_every_author_is_a_surname_and_initials_are_references() -> None:
    assert match_reference("Papers we read this term, copied from Zotero (2019). Mostly transformers.") is None
    assert match_reference("We met on Monday (2019). It was fun.") is None
    assert match_reference("Smith, J. (2020). Word2vec.") is None  # a one-word title is too little to tell
    assert match_reference("Smith, J., & Doe (2020). A title here. Venue.") is None  # "Doe" has no initials
    found = match_reference("* Doe, J.-P., & van den Oord, A. (2018a). Parallel WaveNet: Fast speech. ICML.")
    assert found is not None
    assert (found.title, found.authors, found.venue, found.year) == (
        "Parallel WaveNet: Fast speech", ["J.-P. Doe", "A. van den Oord"], "ICML", 2018)


def test_one_reading_of_apa_author_pairs_serves_author_fields_and_reference_lines() -> None:
    names = ["A. Vaswani", "N. Shazeer", "Ł. Kaiser", "J.-P. Doe", "A. van den Oord"]
    text = "Vaswani, A., Shazeer, N., Kaiser, Ł., Doe, J.-P., & van den Oord, A."
    assert apa_pairs(text) == names
    authors = parse_authors(text)
    assert authors is not None and authors.names == names
    found = match_reference(f"{text} (2017). Attention is all you need. NeurIPS.")
    assert found is not None and found.authors == names
    assert apa_pairs("Smith, J.") is None  # an author field needs two pairs to be read as APA
    assert apa_pairs("Smith, J.", min_pairs=1) == ["J. Smith"]  # a reference line, one
    assert apa_pairs("Frankle, Jonathan, Carbin, Michael") is None  # given names are not initials
