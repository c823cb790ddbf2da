"""Format detection: new documents in any of the corpus's shapes, or a mix, parse by content."""

from __future__ import annotations

import json

from store.ingest import parse_text

MIXED = """# NeurIPS 2019 notes

We went to Vancouver. Lots of posters, lots of coffee. This intro names no paper.

## Meta-Learning

Learning to Learn with Gradients – Chelsea Finn, Pieter Abbeel, Sergey Levine

A clean framing of MAML.

It trains an initialization.

**Graph Networks**

C7: Relational Inductive Biases, Deep Learning, and Graph Networks

Message passing everywhere.

C8, C9: skipped these, too crowded...

## Other favourites

Everyone liked Deep Sets by Manzil Zaheer, Satwik Kottur, and Alexander J. Smola (CMU), which
handles permutation invariance. Nothing else was named here.

This post is not an endorsement of any paper. Views are our own.
"""


def test_mixed_document_shapes_topics_and_venue() -> None:
    parsed = parse_text(MIXED, "mixed.md", ".md")
    got = [(r.line, r.title, r.authors, r.topics) for r in parsed.records]
    assert got == [
        (7, "Learning to Learn with Gradients", ["Chelsea Finn", "Pieter Abbeel", "Sergey Levine"],
         ["Meta-Learning"]),
        (15, "Relational Inductive Biases, Deep Learning, and Graph Networks", [], ["Graph Networks"]),
        (23, "Deep Sets", ["Manzil Zaheer", "Satwik Kottur", "Alexander J. Smola"], ["Other favourites"]),
    ]
    assert {(r.venue, r.year) for r in parsed.records} == {("NeurIPS", 2019)}
    finn, graph, sets = parsed.records
    assert finn.summary == "A clean framing of MAML.\n\nIt trains an initialization."
    assert graph.summary == "Message passing everywhere."  # the note and what follows are not in it
    assert sets.summary.startswith("Everyone liked Deep Sets") and "handles permutation" in sets.summary
    assert all("endorsement" not in r.summary for r in parsed.records)


def test_content_decides_for_txt_files() -> None:
    front = "---\ntitle: A Paper\nyear: 2020\n---\nBody.\n"
    assert [r.title for r in parse_text(front, "a.txt").records] == ["A Paper"]
    line = json.dumps({"id": "2001.00001", "title": "JSON In A Text File", "authors": "Ada Lovelace"})
    [rec] = parse_text(line + "\n", "b.txt").records
    assert (rec.title, rec.venue, rec.year) == ("JSON In A Text File", "arXiv", 2020)


def test_windows_line_endings_keep_line_numbers() -> None:
    text = "ICML 2018: Notes\r\n\r\nSome Great Paper – Ada Lovelace, Alan Turing\r\n\r\nWhy it matters.\r\n"
    [rec] = parse_text(text, "w.txt").records
    assert (rec.line, rec.title, rec.summary, rec.venue, rec.year) == (
        3, "Some Great Paper", "Why it matters.", "ICML", 2018)
