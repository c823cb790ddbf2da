"""Poster notes (seeds/001): "C12: Title" lines under day headings, summaries below them."""

from __future__ import annotations

import re
from pathlib import Path

from store.ingest import parse_text
from store.ingest.readings.shapes.posters import is_note, match_poster

SEED = Path(__file__).parent.parent.parent / "seeds" / "001_b62e11a40cc297e5.txt"
TEXT = SEED.read_text(encoding="utf-8")
LINES = TEXT.split("\n")
PARSED = parse_text(TEXT, SEED.name)
POSTER = re.compile(r"^C\d+: (.+)$")
NOTE = re.compile(r"^C\d+(?:, C\d+)+:")
DAY = re.compile(r"(Mon|Tues|Wednes|Thurs|Fri)day (morning|afternoon):?")


def _expected() -> list[tuple[int, str]]:
    return [(n, m.group(1).strip()) for n, line in enumerate(LINES, 1)
            if (m := POSTER.match(line)) and not NOTE.match(line)]


def test_every_poster_line_except_the_note_is_a_record_with_its_line() -> None:
    expected = _expected()
    assert len(expected) > 40
    assert [(r.line, r.title) for r in PARSED.records] == expected
    assert PARSED.problems == []


def test_the_note_is_not_a_paper_and_not_part_of_a_summary() -> None:
    note_line = next(n for n, line in enumerate(LINES, 1) if NOTE.match(line))
    assert all(r.line != note_line for r in PARSED.records)
    assert all("I seemed to miss" not in r.summary for r in PARSED.records)
    before = max((r for r in PARSED.records if r.line < note_line), key=lambda r: r.line)
    assert before.summary == LINES[before.line + 1].strip()


def test_venue_and_year_come_from_the_document_heading() -> None:
    m = re.match(r"# (\w+) (\d{4})", LINES[0])
    assert m is not None
    assert {(r.venue, r.year) for r in PARSED.records} == {(m.group(1), int(m.group(2)))}


def test_day_headings_are_not_topics() -> None:
    assert all(r.topics == [] for r in PARSED.records)


def test_summary_is_the_paragraphs_until_the_next_poster_or_heading() -> None:
    for rec, nxt in zip(PARSED.records, [*PARSED.records[1:], None], strict=True):
        end = nxt.line - 1 if nxt else len(LINES)
        paragraphs = [line.strip() for line in LINES[rec.line:end]
                      if line.strip() and not NOTE.match(line)
                      and not DAY.fullmatch(line.strip())]
        assert rec.summary == "\n\n".join(paragraphs), rec.title
    short = next(r for r in PARSED.records if r.title == "Adversarial Feature Learning")
    assert short.summary == "Bi-GAN"  # a one-word paragraph is a summary, not a heading


def test_poster_line_shapes() -> None:
    assert match_poster("C12: LR-GAN: Layered Recursive GANs").title == "LR-GAN: Layered Recursive GANs"
    with_authors = match_poster("**A3:** Some Paper – Ada Lovelace, Alan Turing")
    assert with_authors is not None and with_authors.authors == ["Ada Lovelace", "Alan Turing"]
    assert match_poster("C31, C32, C33: I seemed to miss these three poster") is None
    assert is_note("C5: missed this one...")
    assert match_poster("1. A numbered list item") is None


def test_a_link_reference_line_under_a_poster_is_its_summary_as_written() -> None:
    """Paragraphs are the source's lines split at blank lines: the parser keeps no node of a "[1]: url" line."""
    [paper] = parse_text("C12: Some Poster Title\n\n[1]: https://openreview.net/forum?id=abc\n", "p.md", ".md").records
    assert (paper.title, paper.summary) == ("Some Poster Title", "[1]: https://openreview.net/forum?id=abc")
