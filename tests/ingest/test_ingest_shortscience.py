"""ShortScience entries (seeds/002, 003): title, author line, "Venue - 2015 via ...", chrome, summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from store.ingest import parse_text

SEEDS = Path(__file__).parent.parent.parent / "seeds"
FILES = ["002_431cd875c1dd433c.txt", "003_0346d9c79e9d9ca6.txt"]
VENUE_LINE = re.compile(r"^(.+) - (\d{4}) via .+$")
SHORT = {"arXiv e-Print archive": "arXiv", "International Conference on Machine Learning": "ICML",
         "International Conference on Learning Representations": "ICLR"}


def _entries(text: str) -> list[dict[str, object]]:
    """Independent reading: the first venue line of each entry, with the two lines above it."""
    lines = text.split("\n")
    nonblank = [(n, line.strip()) for n, line in enumerate(lines, 1) if line.strip()]
    out: list[dict[str, object]] = []
    seen_authors: str | None = None
    for k, (_, line) in enumerate(nonblank):
        m = VENUE_LINE.match(line)
        if not m:
            continue
        authors = nonblank[k - 1][1]
        if authors == seen_authors:
            seen_authors = None  # the duplicated block
            continue
        seen_authors = authors
        parts = authors.split(" and ")
        names = [" ".join(reversed([x.strip() for x in p.split(",")])) if "," in p else p for p in parts]
        keywords = next(line for _, line in nonblank[k:] if line.startswith("Keywords:"))
        out.append({"line": nonblank[k - 2][0], "title": nonblank[k - 2][1], "authors": names,
                    "venue": SHORT[m.group(1)], "year": int(m.group(2)), "keywords": keywords})
    return out


@pytest.mark.parametrize("name", FILES)
def test_entries_match_an_independent_reading_of_the_text(name: str) -> None:
    text = (SEEDS / name).read_text(encoding="utf-8")
    parsed = parse_text(text, name)
    expected = _entries(text)
    assert len(expected) == text.count("[link]") >= 10
    assert parsed.problems == []
    got = [{"line": r.line, "title": r.title, "authors": r.authors, "venue": r.venue, "year": r.year}
           for r in parsed.records]
    assert got == [{k: v for k, v in e.items() if k != "keywords"} for e in expected]


@pytest.mark.parametrize("name", FILES)
def test_topics_from_keywords_with_categories_named_and_dblp_dropped(name: str) -> None:
    text = (SEEDS / name).read_text(encoding="utf-8")
    parsed = parse_text(text, name)
    for rec, entry in zip(parsed.records, _entries(text), strict=True):
        if entry["keywords"] == "Keywords: dblp":
            assert rec.topics == []
        else:
            assert "Machine Learning" in rec.topics and "Neural and Evolutionary Computing" in rec.topics
            assert not any("." in t for t in rec.topics)  # no raw "cs.LG"


@pytest.mark.parametrize("name", FILES)
def test_summaries_are_free_of_page_chrome(name: str) -> None:
    text = (SEEDS / name).read_text(encoding="utf-8")
    parsed = parse_text(text, name)
    lines = text.split("\n")
    for rec in parsed.records:
        s = rec.summary
        assert s and "[link]" not in s and "Keywords:" not in s and " via Local" not in s
        assert not s.rstrip().endswith("|")
        assert not re.search(r"^(more|less)$", s, re.MULTILINE)
        assert "i.imgur.com" not in s and "![" not in s
        assert "**Abstract:**" not in s and "First published" not in s
        author_line = next(line for line in lines[rec.line:] if line.strip())
        assert author_line.strip() not in s  # the duplicated author block is gone
        # The summary starts with the text right after "[link]".
        link_at = next(i for i in range(rec.line, len(lines)) if lines[i].strip() == "[link]")
        assert s.startswith(lines[link_at + 1][:60].strip())


def test_latex_is_kept_and_header_and_about_are_not_papers() -> None:
    text = (SEEDS / FILES[0]).read_text(encoding="utf-8")
    parsed = parse_text(text, FILES[0])
    trpo = parsed.records[0]
    assert "$\\pi_{new}(a|s)=(1-\\alpha)\\pi_{old}(a|s)" in trpo.summary
    titles = {r.title for r in parsed.records}
    assert "About" not in titles
    assert not any(t.startswith("ICML is the leading") for t in titles)


def test_abstract_only_entry_uses_the_abstract_as_summary() -> None:
    text = """Header paragraph that is not a paper.

Some Paper Title

Lovelace, Ada and Turing, Alan

International Conference on Machine Learning - 2016 via Local Bibsonomy

Keywords: cs.CV, stat.ML

**Abstract:** We introduce a thing
that is wrapped.
more
less
"""
    parsed = parse_text(text, "x.txt")
    assert len(parsed.records) == 1
    rec = parsed.records[0]
    assert (rec.title, rec.authors, rec.venue, rec.year, rec.line) == (
        "Some Paper Title", ["Ada Lovelace", "Alan Turing"], "ICML", 2016, 3)
    assert rec.topics == ["Computer Vision and Pattern Recognition", "Machine Learning"]
    assert rec.summary == "We introduce a thing that is wrapped."
