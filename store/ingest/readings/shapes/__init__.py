"""Whole-document shapes: the ways a page names papers without a note's fields, one module each.

`SHAPES` is the one list of them (store.ingest.readings.shapes.shape says what a shape reads: an entry
over paragraphs, a line, an aside, inline mentions). The prose reader's rules decide which kind of
reading is tried where (an entry before a line, mentions last); the shapes of one kind are tried in
this list's order, and "no papers found" names them in it. A shape module holds its recogniser and one
`SHAPE` naming its readings: adding a convention is a module, its line here, and a fixture with its test.
A shape module imports store.text, store.ingest.structure, store.ingest.readings.fields and
shapes/shape.py, never another shape: what two shapes share is a field (a poster line with authors reads
its "Title – Authors" part with fields.titleline, as the title-list shape does).
"""

from __future__ import annotations

from store.ingest.readings.shapes import blogpost, citation, posters, reference, shortscience, titlelist
from store.ingest.readings.shapes.shape import Entry, Mention, PaperLine, Shape

SHAPES: tuple[Shape, ...] = (
    posters.SHAPE,  # line: "C12: Title" (aside: "C31, C32: missed these")
    titlelist.SHAPE,  # line: "Title – Author One, Author Two"
    shortscience.SHAPE,  # entry: title, authors, "Venue - 2015 via ..." and the page's furniture, then the summary
    blogpost.SHAPE,  # mentions: "... Title Case Title by A, B and C ..." inline in prose
    citation.SHAPE,  # line: "Vaswani, A., & Shazeer, N. (2017). Attention is all you need. NeurIPS." (APA)
    reference.SHAPE,  # line: "[12] K. He, X. Zhang, ... "Deep residual learning ...," in Proc. CVPR, 2016." (any style)
)

__all__ = ["SHAPES", "Entry", "Mention", "PaperLine", "Shape"]
