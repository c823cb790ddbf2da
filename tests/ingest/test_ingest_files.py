"""Bad files: every one gives a Problem with its source and a line, and nothing raises."""

from __future__ import annotations

import os
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from store.ingest import MAX_FILE_BYTES, MAX_LINE_CHARS, parse_file, parse_text
from store.ingest.readings.frontmatter import parse_front_matter
from store.ingest.readings.prose import read_prose
from store.ingest.structure.markdown import read_structure

SEEDS = Path(__file__).parent.parent.parent / "seeds"


def _only_problem(path: Path) -> tuple[int, str]:
    parsed = parse_file(path, path.name)
    assert parsed.records == []
    assert len(parsed.problems) == 1 and parsed.problems[0].source == path.name
    return parsed.problems[0].line, parsed.problems[0].message


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "bin.txt"
    path.write_bytes(b"line one\nline two\n\x00\x01\x02\xff")
    line, message = _only_problem(path)
    assert line == 3 and "binary" in message


def test_latin1_file_names_the_line_of_the_first_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Title\n\nCaf\u00e9 by Zo\u00eb Smith\n".encode("latin-1"))
    line, message = _only_problem(path)
    assert line == 3 and "not UTF-8" in message


def test_utf8_with_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffC1: A Poster Title\n\nSummary.\n".encode())
    parsed = parse_file(path, path.name)
    assert [(r.title, r.line) for r in parsed.records] == [("A Poster Title", 1)]


def test_empty_and_whitespace_only_files(tmp_path: Path) -> None:
    for name, data in [("empty.txt", b""), ("blank.md", b"\n  \n\t\n")]:
        path = tmp_path / name
        path.write_bytes(data)
        line, message = _only_problem(path)
        assert line == 0 and "empty" in message


def test_only_headings(tmp_path: Path) -> None:
    path = tmp_path / "headings.md"
    path.write_text("# ICLR 2017\n\n## Monday\n\n### Optimization\n", encoding="utf-8")
    line, message = _only_problem(path)
    assert line == 0 and "no papers" in message


def test_huge_file_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: cheap to make
    line, message = _only_problem(path)
    assert line == 0 and "limit" in message


def test_long_line_is_reported_and_the_rest_of_the_file_parsed(tmp_path: Path) -> None:
    seed = (SEEDS / "001_b62e11a40cc297e5.txt").read_text(encoding="utf-8").split("\n")
    seed.insert(3, "x" * 100_000)  # becomes line 4
    path = tmp_path / "long.txt"
    path.write_text("\n".join(seed), encoding="utf-8")
    parsed = parse_file(path, path.name)
    assert [(p.line, "characters" in p.message) for p in parsed.problems] == [(4, True)]
    assert len(parsed.records) == len(parse_text("\n".join(seed[:3] + seed[4:]), "x").records) > 40
    assert all(len(r.summary) <= MAX_LINE_CHARS for r in parsed.records)


def test_truncated_seed_keeps_the_complete_entries(tmp_path: Path) -> None:
    data = (SEEDS / "002_431cd875c1dd433c.txt").read_bytes()
    cut = data[: len(data) // 2]
    cut = cut[: cut.rfind(b" ")]  # mid-sentence, on a character boundary
    path = tmp_path / "cut.txt"
    path.write_bytes(cut)
    parsed = parse_file(path, path.name)
    full = parse_file(SEEDS / "002_431cd875c1dd433c.txt", "full")
    assert 0 < len(parsed.records) < len(full.records)
    assert [r.title for r in parsed.records] == [r.title for r in full.records[: len(parsed.records)]]


def test_random_bytes(tmp_path: Path) -> None:
    rng = random.Random(1234)
    for k in range(20):
        path = tmp_path / f"random{k}.txt"
        path.write_bytes(bytes(rng.randrange(256) for _ in range(2000)))
        parsed = parse_file(path, path.name)
        assert parsed.problems and all(p.source == path.name and p.line >= 0 for p in parsed.problems)


def test_symlink_loop_missing_file_and_directory(tmp_path: Path) -> None:
    loop = tmp_path / "loop.txt"
    os.symlink(loop, loop)
    assert "could not be read" in _only_problem(loop)[1]
    assert "could not be read" in _only_problem(tmp_path / "missing.txt")[1]
    folder = tmp_path / "folder.md"
    folder.mkdir()
    assert "not a regular file" in _only_problem(folder)[1]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_parse_text_never_raises_and_records_are_well_formed(text: str) -> None:
    for suffix in (".txt", ".md", ".jsonl"):
        parsed = parse_text(text, "fuzz" + suffix, suffix)
        line_count = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1
        for rec in parsed.records:
            assert rec.title.strip() and 1 <= rec.line <= line_count and rec.source == "fuzz" + suffix
        assert all(p.source == "fuzz" + suffix and p.line >= 0 for p in parsed.problems)


_PIECES = st.sampled_from([
    "C12: ", "C1, C2: ", " by ", "\n", "\n\n", "---\n", "title: ", "year: 20x", " – ", "–", "Keywords: cs.LG",
    "arXiv e-Print archive - 2019 via Local arXiv", "Quoc V. Le", "Ada Lovelace", "[link]", "more", "# ",
    "Deep Nets", "and", ", ", ".", ":", "(", ")", "\\'a", "{", "$", "|", "**", "Monday morning", "a", "B",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join))
def test_parsers_without_the_safety_net_never_raise_on_corpus_shaped_text(text: str) -> None:
    # The parsers themselves (not only parse_text's last-resort guard) must hold on such text.
    for parsed in (read_prose(read_structure(text), "d"), parse_front_matter(text, "d")):
        for rec in parsed.records:
            assert rec.title.strip() and 1 <= rec.line <= text.count("\n") + 1
