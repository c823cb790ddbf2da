"""Every example that issue 24 names in items 1-4, as a note a member would write, read to exact values.

`tests/data/examples24/` holds one file per example (README.md says which item and example each is), and
`expected.json` gives, per file, every paper it names in order (title, authors as written, writer, and
where the example is about them venue, year, `authors_incomplete`, and how the summary must begin) and the
problem lines it must report. Each file was checked to fail on main before issue 24: the test holds the
reader to the issue's examples, not to the conventions it already knew.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from store.ingest import parse_file
from store.ingest.records import PaperRecord

EXAMPLES = Path(__file__).parent.parent / "data" / "examples24"
EXPECTED: dict[str, dict[str, Any]] = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
NOT_NOTES = ("expected.json", "README.md")


def _as_expected(record: PaperRecord, want: dict[str, Any]) -> dict[str, Any]:
    """The record's values for the keys the expected paper names; a summary's start as long as expected."""
    got: dict[str, Any] = {}
    for key, value in want.items():
        if key == "summary_starts":
            got[key] = record.summary[:len(value)]
        else:
            got[key] = getattr(record, key)
    return got


def test_every_fixture_is_expected_and_described() -> None:
    files = sorted(p.name for p in EXAMPLES.iterdir() if p.name not in NOT_NOTES)
    assert files == sorted(EXPECTED)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in files)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_example_gives_exactly_its_papers(name: str) -> None:
    parsed = parse_file(EXAMPLES / name, name)
    wanted = EXPECTED[name]["papers"]
    assert [r.title for r in parsed.records] == [p["title"] for p in wanted]
    assert [_as_expected(r, p) for r, p in zip(parsed.records, wanted, strict=True)] == wanted


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e.get("problems")))
def test_each_example_reports_what_it_did_not_take(name: str) -> None:
    parsed = parse_file(EXAMPLES / name, name)
    reported = [str(p) for p in parsed.problems]
    assert [line for line in EXPECTED[name]["problems"] if line not in reported] == []
