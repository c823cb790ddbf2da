"""paperbot's own format: Markdown with one front-matter block per paper."""

from __future__ import annotations

from store.ingest import parse_text

ONE = """---
title: The Lottery Ticket Hypothesis
authors: Jonathan Frankle; Michael Carbin
venue: International Conference on Learning Representations
year: 2019
topics: pruning, sparsity, cs.LG
link: https://arxiv.org/abs/1803.03635
---
Dense networks contain sparse subnetworks
that train well from the start.

![figure](https://i.imgur.com/x.png) Winning tickets.
"""


def test_single_paper_with_every_key() -> None:
    parsed = parse_text(ONE, "lottery.md", ".md")
    assert parsed.problems == []
    [rec] = parsed.records
    assert rec.title == "The Lottery Ticket Hypothesis" and rec.line == 2
    assert rec.authors == ["Jonathan Frankle", "Michael Carbin"]
    assert (rec.venue, rec.year, rec.link) == ("ICLR", 2019, "https://arxiv.org/abs/1803.03635")
    assert rec.topics == ["pruning", "sparsity", "Machine Learning"]
    assert rec.summary == ("Dense networks contain sparse subnetworks that train well from the start."
                           "\n\nWinning tickets.")


def test_several_papers_author_forms_and_problems_with_lines() -> None:
    text = """---
title: "First Paper"
authors: Sohl-Dickstein, Jascha and Ganguli, Surya
colour: blue
---
Body one.

---

More of body one after a rule.

---
authors: A. Nobody
---
No title here.
---
title: Third Paper
author: Ada Lovelace, Alan Turing and Grace Hopper
year: 20x9
tags: [rl, theory]
---
Body three.
"""
    parsed = parse_text(text, "many.txt", ".txt")  # detected by content, not suffix
    assert [(r.title, r.line) for r in parsed.records] == [("First Paper", 2), ("Third Paper", 17)]
    first, third = parsed.records
    assert first.authors == ["Jascha Sohl-Dickstein", "Surya Ganguli"]
    assert first.summary == "Body one.\n\nMore of body one after a rule."
    assert third.authors == ["Ada Lovelace", "Alan Turing", "Grace Hopper"]
    assert third.year is None and third.topics == ["rl", "theory"]
    problems = {(p.line, p.message.split(" ")[0]) for p in parsed.problems}
    assert (4, "unknown") in problems  # warning, paper still loads
    assert (12, "front-matter") in problems  # missing title, with the block's line
    assert (19, "year") in problems
    assert all(p.source == "many.txt" for p in parsed.problems)


def test_unclosed_front_matter_is_read_as_a_key_value_note_not_lost_silently() -> None:
    parsed = parse_text("---\ntitle: Never Closed\n\nSome text.\n", "open.md", ".md")
    assert [(r.title, r.line, r.summary) for r in parsed.records] == [("Never Closed", 2, "Some text.")]


def test_the_summary_below_a_block_keeps_every_paragraph_as_written_link_references_too() -> None:
    text = "---\ntitle: A Paper About Things\n---\nSummary line.\n\n[ref]: https://example.org/x\n\nMore text.\n"
    [paper] = parse_text(text, "f.md", ".md").records
    assert paper.summary == "Summary line.\n\n[ref]: https://example.org/x\n\nMore text."
