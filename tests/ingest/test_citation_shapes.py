"""Formatted references in shapes the CRF's tuning styles do not show (issue 24, item 2), to exact values.

`tests/data/citations/reading-list-shapes.md` is hand-written (no paper of it is in bench/citations): names
separated by semicolons (ACS), a citation with no year but a venue ("In ICLR") or a link, a capitalised particle
("P. Di Vecchia"), a given name after an initial ("A. H. Castro Neto"); then lines the reader must not take: a
yearless line naming nothing published, and a title's first word the tagger would run into the last name
("Le, Q. V. EfficientNet: ..." is never the author "Q. V. EfficientNet Le").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from store.ingest import parse_file
from store.ingest.readings.shapes.reference import match_formatted

FIXTURE = Path(__file__).parent.parent / "data" / "citations" / "reading-list-shapes.md"

EXPECTED = [
    ("A New Type of Secondary Radiation", ["C. V. Raman", "K. S. Krishnan"], None, 1928, 6, None),
    ("Semi-Supervised Classification with Graph Convolutional Networks", ["T. N. Kipf", "M. Welling"], "ICLR",
     2017, 7, None),
    ("Semi-supervised classification with graph convolutional networks", ["Thomas N. Kipf", "Max Welling"], "ICLR",
     None, 8, None),
    ("Mastering the game of Go without human knowledge", ["D Silver", "J Schrittwieser"], None, None, 9,
     "https://www.nature.com/articles/nature24270"),
    ("The birth of string theory", ["P. Di Vecchia"], None, 2007, 10, None),
    ("The electronic properties of graphene", ["A. H. Castro Neto", "F. Guinea"], None, 2009, 11, None),
]


def test_a_reading_list_in_untuned_shapes_gives_each_paper_exactly() -> None:
    parsed = parse_file(FIXTURE, "reading-list-shapes.md")
    assert [(r.title, r.authors, r.venue, r.year, r.line, r.link) for r in parsed.records] == EXPECTED
    assert parsed.problems == []


@pytest.mark.parametrize("line", [
    "Ashish Vaswani and Noam Shazeer. Some notes we took. We liked it.",  # no year, nothing published
    "Yann LeCun and Geoffrey Hinton. We discussed their talk at length. In the evening.",
    "Karpathy A. Great talk, see the slides. In: my notes",
    "Tan, M.; Le, Q. V. EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks. In ICML; 2019.",
    "Ho J, Jain A, Abbeel P Denoising Diffusion Probabilistic Models. In: NeurIPS",  # no stop: where do names end?
])
def test_lines_not_read_for_sure_give_no_paper(line: str) -> None:
    assert match_formatted(line) is None


def test_a_one_word_name_is_kept_among_others_and_never_alone() -> None:
    found = match_formatted("1. Sudha, Rao AVG, Devi ARU, Rajagopal AK. Ensemble approaches to polarization optics. "
                            "arXiv. 2009.")
    assert found is not None
    assert (found.title, found.authors) == ("Ensemble approaches to polarization optics",
                                            ["Sudha", "AVG Rao", "ARU Devi", "AK Rajagopal"])
    assert match_formatted("1. Sudha. Ensemble approaches to polarization optics. arXiv. 2009.") is None
