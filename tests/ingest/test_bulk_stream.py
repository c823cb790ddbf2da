"""The bulk import streams: a JSON Lines file is read a block and a batch at a time, giving exactly the
records, problems and lines of the file read whole; a file that cannot be used fails before any record.
(How the batches are stored: test_bulk_store.py.)
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.ingest import corpus, stream
from store.ingest.records import Parsed, Problem
from store.ingest.text import lines
from store.ingest.text.files import decode, read_limited
from store.ingest.text.lines import Line, TextBlocks, Unreadable, numbered_lines
from tests.ingest.bulk import paper, write

# --- the stream itself -------------------------------------------------------------------------------------------


def test_a_jsonl_file_comes_in_batches_of_the_batch_size(tmp_path: Path, tiny_batches: None) -> None:
    path = write(tmp_path / "bulk.jsonl", *(paper(f"Paper {i}") for i in range(5)), "{broken", paper("Paper 5"))
    messages = list(stream.jsonl_messages(path, "bulk.jsonl"))
    opened, *batches, ended = messages
    assert isinstance(opened, stream.Opened) and not opened.failed and opened.problems == []
    assert [[r.title for r in b.records] for b in batches] == [["Paper 0", "Paper 1"], ["Paper 2", "Paper 3"],
                                                               ["Paper 4", "Paper 5"]]
    assert [[(p.line, p.message) for p in b.problems] for b in batches] == [
        [], [], [(6, "not valid JSON (Expecting property name enclosed in double quotes at column 2); line skipped")]]
    assert isinstance(ended, stream.Ended) and not ended.failed and ended.problems == []
    assert opened.sha256 == ended.sha256 == corpus.sha256_of(path)


def test_a_batch_also_ends_at_the_character_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "BATCH_CHARS", 250)
    path = write(tmp_path / "bulk.jsonl", *(paper(f"Paper {i}", abstract="x" * 100) for i in range(4)))
    batches = [m for m in stream.jsonl_messages(path, "bulk.jsonl") if isinstance(m, Parsed)]
    assert [len(b.records) for b in batches] == [2, 2]


def test_the_streamed_records_are_the_records_of_the_file_read_whole(tmp_path: Path, tiny_batches: None) -> None:
    """Overlong lines, BOM, CRLF, a bad link, a title over the limit: one contract, streamed or whole."""
    from store.ingest import parse_file

    long_title = "Long " * 300
    path = tmp_path / "bulk.jsonl"
    path.write_bytes("\ufeff".encode() + "\r\n".join([
        paper("First"), "", paper("x" * 30_000), paper(long_title, "2401.00001"), "[1, 2]",
        json.dumps({"title": "Linked", "id": "not an id"}), json.dumps({"abstract": "no title"}), paper("Last"),
    ]).encode())
    whole = parse_file(path, "bulk.jsonl")
    streamed = corpus.read(corpus.CorpusFile(path, "bulk.jsonl", "/x"))
    assert streamed.parsed.records == whole.records
    assert sorted(streamed.parsed.problems, key=lambda p: p.line) == sorted(whole.problems, key=lambda p: p.line)
    assert [(r.line, len(r.title), r.arxiv_id) for r in whole.records] == [
        (1, 5, None), (4, 999, "2401.00001"), (6, 6, None), (8, 4, None)]
    assert [str(p) for p in streamed.parsed.problems] == [
        "bulk.jsonl:3: line of 30,105 characters skipped", "bulk.jsonl:5: not a JSON object; line skipped",
        "bulk.jsonl:7: no title; line skipped"]


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "empty file: nothing to read"),
    (b"  \n\t\n", "empty file: nothing to read"),
    (b'{"title": "A"}\n\x00\n', "binary file (contains NUL bytes); skipped"),
    (b'{"title": "A"}\n{"title": "\xff"}\n', "not UTF-8 text (byte 0xff on line 2); save the file as UTF-8"),
])


@pytest.mark.parametrize("checked", [True, False])
def test_a_file_that_cannot_be_used_fails_before_any_record(tmp_path: Path, content: bytes, expected: str,
                                                            checked: bool) -> None:
    """Read once (a file the database does not hold), a file is judged by its first block before any record:
    these all fail there, but a file of blank lines, which only its end shows: it fails there, with the same
    problem."""
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    messages = list(stream.jsonl_messages(path, "bad.jsonl", checked=checked))
    if not checked and content.strip() == b"" and content:
        opened, ended = messages
        assert not opened.failed and ended.failed and [p.message for p in ended.problems] == [expected]
        return
    opened, ended = messages
    assert isinstance(opened, stream.Opened) and opened.failed and [p.message for p in opened.problems] == [expected]
    assert isinstance(ended, stream.Ended) and ended.failed


def test_a_file_read_once_gives_the_records_of_the_file_checked_first(tmp_path: Path, tiny_batches: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the database holds no document of is read once: no reading for its fingerprint first (`check`),
    the same batches and problems, and its fingerprint at its end."""
    path = write(tmp_path / "bulk.jsonl", *(paper(f"Paper {i}") for i in range(5)), "{broken", paper("Paper 5"))
    checked = list(stream.jsonl_messages(path, "bulk.jsonl"))
    reads: list[int] = []
    real = TextBlocks._texts

    def counted(self: TextBlocks) -> Any:
        reads.append(1)
        return real(self)

    monkeypatch.setattr(TextBlocks, "_texts", counted)
    once = list(stream.jsonl_messages(path, "bulk.jsonl", checked=False))
    assert len(reads) == 1
    assert [type(m) for m in once] == [type(m) for m in checked]
    assert once[0].sha256 == "" and checked[0].sha256 == corpus.sha256_of(path)
    assert once[0].stamp == checked[0].stamp == (path.stat().st_size, path.stat().st_mtime_ns)
    assert [(m.records, m.problems) for m in once[1:-1]] == [(m.records, m.problems) for m in checked[1:-1]]
    assert once[-1] == checked[-1] and once[-1].sha256 == corpus.sha256_of(path)


@pytest.mark.parametrize(("tail", "expected"), [
    (b"\x00\n", "bulk.jsonl:{n}: binary file (contains NUL bytes); skipped"),
    (b'{"title": "\xe9"}\n', "bulk.jsonl:{n}: not UTF-8 text (byte 0xe9 on line {n}); save the file as UTF-8"),
])
def test_a_file_read_once_that_breaks_further_on_fails_at_its_end(tmp_path: Path, tiny_batches: None,
                                                                  monkeypatch: pytest.MonkeyPatch, tail: bytes,
                                                                  expected: str) -> None:
    """Past its first block, a file read once is known broken only as it streams: its batches come, then
    `Ended` fails with the problem and its line (the database rolls back what it wrote of the file)."""
    monkeypatch.setattr(lines, "BLOCK", 64)
    path = write(tmp_path / "bulk.jsonl", *(paper(f"Paper {i}") for i in range(6)))
    with path.open("ab") as fh:
        fh.write(tail)
    opened, *batches, ended = list(stream.jsonl_messages(path, "bulk.jsonl", checked=False))
    assert not opened.failed and batches and all(isinstance(b, Parsed) for b in batches)
    assert ended.failed and [str(p) for p in ended.problems] == [expected.format(n=7)]
    checked = list(stream.jsonl_messages(path, "bulk.jsonl"))
    assert [str(p) for p in checked[0].problems] == [expected.format(n=7)] and len(checked) == 2


def test_a_file_over_the_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "max_bytes", lambda suffix: 100)
    path = write(tmp_path / "big.jsonl", *(paper(f"Paper {i}") for i in range(3)))
    opened, _ended = list(stream.jsonl_messages(path, "big.jsonl"))
    assert opened.failed
    assert [str(p) for p in opened.problems] == [
        f"big.jsonl: file is {path.stat().st_size:,} bytes, over the 100 bytes limit; skipped"]


def test_a_read_error_half_way_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    path = write(tmp_path / "bulk.jsonl", *(paper(f"Paper {i}") for i in range(3)))

    class FailingDisk(io.FileIO):
        def read(self, size: int = -1) -> bytes:
            if self.tell():
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            return super().read(100)

    with FailingDisk(path) as handle:
        blocks = TextBlocks(handle, "bulk.jsonl", 1000)
        assert blocks.check() == Problem("bulk.jsonl", 0, "could not be read: Input/output error")


@settings(max_examples=300)
@given(data=st.binary(max_size=60) | st.text(alphabet="ab\x00\n\r\ufeff\xe9 ", max_size=40).map(str.encode),
       block=st.integers(1, 9))


def test_blocks_judge_a_file_as_it_is_judged_read_whole(tmp_path_factory: pytest.TempPathFactory, data: bytes,
                                                        block: int) -> None:
    """NUL bytes, bytes that are not UTF-8, a blank file: the same problem, on the same line, whatever the
    block boundaries; and the text given is the text decoded whole."""
    path = tmp_path_factory.mktemp("blocks") / "f.jsonl"
    path.write_bytes(data)
    data = read_limited(path, "f.jsonl")
    text = decode(data, "f.jsonl") if isinstance(data, bytes) else data
    expected_problem, expected_text = (None, text) if isinstance(text, str) else (text, None)
    old = lines.BLOCK
    lines.BLOCK = block
    texts: list[str] = []
    try:
        with path.open("rb") as handle:
            blocks = TextBlocks(handle, "f.jsonl", 1000)
            with contextlib.suppress(Unreadable):
                texts.extend(blocks)
    finally:
        lines.BLOCK = old
    assert blocks.problem == expected_problem
    if expected_text is not None:
        assert "".join(texts) == expected_text
        assert blocks.sha256 == corpus.sha256_of(path)


@given(text=st.text(alphabet="ab\r\n\ufeff", max_size=60), cuts=st.lists(st.integers(0, 60), max_size=6),
       max_chars=st.integers(0, 8))


def test_lines_are_numbered_as_the_text_split_whole(text: str, cuts: list[int], max_chars: int) -> None:
    pieces = [text[i:j] for i, j in zip([0, *sorted(cuts)], [*sorted(cuts), len(text)], strict=True)]
    whole = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = [Line(n, line if len(line) <= max_chars else "", len(line)) for n, line in enumerate(whole, 1)]
    assert list(numbered_lines(pieces, max_chars)) == expected


def test_the_parsing_process_does_not_import_the_other_formats_readers() -> None:
    """A bulk import's process reads JSON Lines only: the readers of notes, BibTeX and references (a tenth of a
    second to import) are imported when a file of theirs comes, and `store.ingest.parse_file` still works."""
    import subprocess
    import sys

    code = ("import sys, store.ingest.worker; print('store.ingest.formats' in sys.modules, end=' ');"
            "from store.ingest import parse_text; print('store.ingest.formats' in sys.modules, end=' ');"
            "print(parse_text('# A Paper\\n\\nBy Ada Lovelace.', 'a.md').records[0].title)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "A", "Paper"]
