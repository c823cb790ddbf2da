"""The bundled seeds give exactly the papers they gave before the reader was generalised.

`tests/data/seeds-expected.json` was captured from the per-shape parsers before they were replaced:
per seed file, every paper's title, authors, venue, year, topics, line and link, in order. The
general reader must reproduce it exactly (94 papers).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store.ingest import parse_file

SEEDS = Path(__file__).parent.parent.parent / "seeds"
EXPECTED = json.loads((Path(__file__).parent.parent / "data" / "seeds-expected.json").read_text(encoding="utf-8"))


def _found(name: str) -> list[dict]:
    parsed = parse_file(SEEDS / name, name)
    return [{"title": r.title, "authors": r.authors, "venue": r.venue, "year": r.year, "topics": r.topics,
             "line": r.line, "link": r.link} for r in parsed.records]


def test_the_seeds_give_94_papers() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in SEEDS.iterdir())
    assert sum(len(v) for v in EXPECTED.values()) == 94


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_seed_gives_exactly_its_pinned_papers(name: str) -> None:
    assert _found(name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_seeds_report_no_problem_and_no_paper_is_incomplete(name: str) -> None:
    parsed = parse_file(SEEDS / name, name)
    assert parsed.problems == []
    assert all(not r.authors_incomplete and r.writer is None for r in parsed.records)
