"""Members' notes in every convention the reader knows (tests/data/notes), to exact values.

`tests/data/notes/expected.json` gives, per file, the exact papers it names: title, authors,
authors_incomplete, writer, venue, year, topics and link. The files are written the way members write
(GitHub paper-notes headers with bold keys, Obsidian and Logseq properties, lab-wiki tables, org-mode,
Chinese/German/French/Spanish keys, headings used as keys, a title heading over an author line,
title-only notes, writer lines, "et al.", affiliations, several notes per file, blog prose, poster
notes, "Title – Authors" lists) and a few files that name no paper at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.notes_eval import FIELDS, evaluate
from store.ingest import parse_file

NOTES = Path(__file__).parent.parent / "data" / "notes"
EXPECTED = json.loads((NOTES / "expected.json").read_text(encoding="utf-8"))


def test_the_fixture_corpus_is_large_and_every_note_file_is_expected() -> None:
    files = sorted(p.name for p in NOTES.iterdir() if p.name != "expected.json")
    assert files == sorted(EXPECTED)
    assert sum(len(v) for v in EXPECTED.values()) >= 60


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_note_gives_exactly_its_papers(name: str) -> None:
    parsed = parse_file(NOTES / name, name)
    assert [{k: getattr(r, k) for k in FIELDS} for r in parsed.records] == EXPECTED[name]
    assert all(r.source == name and r.line >= 1 for r in parsed.records)


# How each begins, quoted short: at most half the first line (a secrets file is never repeated whole).
OPENINGS = {"junk-bold-cut.md": "'**Title**:…'", "junk-readme.md": "'# Paper…'",
            "junk-summary-heading.md": "'## Su…'", "junk-template.md": "'- **Ti…'"}


@pytest.mark.parametrize("name", sorted(n for n, papers in EXPECTED.items() if not papers))
def test_a_note_naming_no_paper_says_what_was_looked_for_and_how_it_begins(name: str) -> None:
    parsed = parse_file(NOTES / name, name)
    assert parsed.records == []
    assert parsed.problems and all(p.source == name for p in parsed.problems)
    summary = parsed.problems[-1].message
    assert "no papers found" in summary and "Title:" in summary
    assert summary.endswith(f"; the file begins {OPENINGS[name]}")


def test_the_evaluation_script_counts_every_paper_exact_and_no_junk() -> None:
    result = evaluate(NOTES)
    assert (result["exact"], result["papers"], result["junk"]) == (result["papers"], 92, 0)
    assert result["fields_right"] == result["fields_total"]


def test_the_evaluation_script_counts_a_wrong_title_as_a_miss_and_a_junk_record(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("Title: Wasserstein GAN\nAuthors: Martin Arjovsky, Léon Bottou\n", encoding="utf-8")
    expected = {"a.md": [{"title": "Wasserstein GAN", "authors": ["Martin Arjovsky", "Soumith Chintala",
                                                                   "Léon Bottou"]}]}
    (tmp_path / "expected.json").write_text(json.dumps(expected), encoding="utf-8")
    result = evaluate(tmp_path)
    assert (result["exact"], result["papers"], result["junk"]) == (0, 1, 1)
