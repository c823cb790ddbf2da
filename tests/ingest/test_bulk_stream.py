"""The bulk import streams: a JSON Lines file is read a block and a batch at a time, and stored batch by
batch, with exactly the result of storing it whole; problem lines beyond the cap are counted, not kept.

The batch size is forced tiny here so that every chunked path runs: a paper named again in a later batch,
a changed file that drops papers across batches, a file that breaks half-way through its reading.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import os
import shutil
import stat
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from store.db.migrate import upgrade
from store.db.models import Authorship, Document, Entry, Paper, Person
from store.ingest import corpus, lines, stream
from store.ingest.files import decode, read_limited
from store.ingest.lines import Line, TextBlocks, Unreadable, numbered_lines
from store.ingest.records import MoreProblems, Parsed, Problem
from store.ingest.report import IngestReport
from store.library import Library

ABSTRACT = "We study sparse attention."


def paper(title: str, arxiv: str | None = None, abstract: str = ABSTRACT, authors: str = "Ada Lovelace") -> str:
    item: dict[str, Any] = {"title": title, "abstract": abstract, "authors": authors, "categories": "cs.LG"}
    if arxiv:
        item["id"] = arxiv
    return json.dumps(item)


def write(path: Path, *lines_: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines_), encoding="utf-8")
    return path


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "BATCH_RECORDS", 2)


async def ingest(url: str, folder: Path) -> IngestReport:
    library = Library(url, folder)
    try:
        await upgrade(library.engine)
        return await library.ingest([folder])
    finally:
        await library.close()


async def stored(url: str) -> dict[str, Any]:
    """What the database holds, by content (ids differ with the order of insertion)."""
    library = Library(url)
    try:
        async with library.session() as s:
            titles = dict((await s.execute(select(Paper.id, Paper.title))).all())
            papers = sorted((await s.execute(select(Paper.key, Paper.title, Paper.venue, Paper.year, Paper.link,
                                                    Paper.arxiv_id, Paper.authors_incomplete))).all())
            entries = sorted((titles[pid], name, line, summary, tuple(authors), key, arxiv)
                             for pid, name, line, summary, authors, key, arxiv in (await s.execute(
                                 select(Entry.paper_id, Document.name, Entry.line, Entry.summary, Entry.authors,
                                        Entry.key, Entry.arxiv_id).join(Document))).all())
            authorships = sorted((titles[pid], pos, name) for pid, pos, name in (await s.execute(
                select(Authorship.paper_id, Authorship.position, Authorship.name))).all())
            people = sorted((await s.execute(select(Person.name))).scalars().all())
        return {"papers": papers, "entries": entries, "authorships": authorships, "people": people}
    finally:
        await library.close()


def changes(report: IngestReport) -> list[tuple[str, str, int, int, int, int]]:
    return [(f.source, f.status, f.added, f.updated, f.removed, f.papers) for f in report.files]


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
def test_a_file_that_cannot_be_used_fails_before_any_record(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    opened, ended = list(stream.jsonl_messages(path, "bad.jsonl"))
    assert isinstance(opened, stream.Opened) and opened.failed and [p.message for p in opened.problems] == [expected]
    assert isinstance(ended, stream.Ended) and ended.failed


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


# --- stored batch by batch ---------------------------------------------------------------------------------------


async def test_memory_stays_flat_in_the_file_size(database_url: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Four times the papers, about the same peak of Python memory: what grows is the ids of the papers
    seen, not their records (a file held whole costs several kB a paper here; bench/bulk_memory.py
    measures the whole process)."""
    monkeypatch.setattr(stream, "BATCH_RECORDS", 500)

    async def peak(papers: int) -> float:
        folder = tmp_path / f"corpus-{papers}"
        write(folder / "bulk.jsonl", *(paper(f"Sparse Things {papers}-{i}", f"{papers // 1000:02d}03.{i:05d}",
                                             "We study sparse attention. " * 40) for i in range(papers)))
        library = Library(database_url, tmp_path)  # a subfolder of the corpus folder: the other file stays
        try:
            await upgrade(library.engine)
            tracemalloc.start()
            report = await library.ingest([folder])
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            await library.close()
        assert [(f.status, f.papers) for f in report.files] == [("new", papers)]
        return peak / 1024

    small, large = await peak(2_000), await peak(8_000)
    print(f"\npeak Python memory of an ingest: {small:,.0f} KiB at 2,000 papers, {large:,.0f} KiB at 8,000")
    assert (large - small) / 6_000 < 1.0  # KiB a paper


async def test_a_paper_named_again_in_a_later_batch_is_one_entry(database_url: str, tmp_path: Path,
                                                                 tiny_batches: None) -> None:
    folder = tmp_path / "corpus"
    write(folder / "bulk.jsonl",
          paper("Sparse Attention", "2401.00001", "First account."),
          paper("Dense Attention"), paper("Other One"), paper("Other Two"),
          paper("sparse attention", None, "Second account.", "Ada Lovelace, Alan Turing"),  # by title, batch 3
          paper("Attention Made Sparse", "2401.00001", "Third account."))  # by arXiv id, batch 3
    report = await ingest(database_url, folder)
    assert changes(report) == [("bulk.jsonl", "new", 4, 0, 0, 4)]
    state = await stored(database_url)
    assert [(title, line, summary, authors) for title, _doc, line, summary, authors, _k, _a in state["entries"]] == [
        ("Dense Attention", 2, ABSTRACT, ("Ada Lovelace",)),
        ("Other One", 3, ABSTRACT, ("Ada Lovelace",)),
        ("Other Two", 4, ABSTRACT, ("Ada Lovelace",)),
        ("Sparse Attention", 1, "First account.\n\nSecond account.\n\nThird account.", ("Ada Lovelace",)),
    ]
    assert ("Sparse Attention", 0, "Ada Lovelace") in state["authorships"]
    assert report.papers_total == 4


async def test_an_author_written_in_several_batches_is_one_person_with_the_fullest_name(
        database_url: str, tmp_path: Path, tiny_batches: None) -> None:
    folder = tmp_path / "corpus"
    write(folder / "bulk.jsonl", paper("One", authors="Quoc Le"), paper("Two", authors="Ada Lovelace"),
          paper("Three", authors="Quoc V. Le, Ada Lovelace"), paper("Four", authors="Ada Lovelace"),
          paper("Five", authors="Quoc Le"))
    await ingest(database_url, folder)
    library = Library(database_url)
    try:
        async with library.session() as s:
            people = sorted((await s.execute(select(Person.name))).scalars().all())
            written = sorted((await s.execute(select(Paper.title, Authorship.name).join(Authorship))).all())
    finally:
        await library.close()
    assert people == ["Ada Lovelace", "Quoc V. Le"]
    assert written == [("Five", "Quoc Le"), ("Four", "Ada Lovelace"), ("One", "Quoc Le"),
                       ("Three", "Ada Lovelace"), ("Three", "Quoc V. Le"), ("Two", "Ada Lovelace")]


async def test_a_changed_file_that_drops_papers_across_batches(database_url: str, tmp_path: Path,
                                                               tiny_batches: None) -> None:
    folder = tmp_path / "corpus"
    write(folder / "bulk.jsonl", *(paper(f"Paper {i}", f"2401.{i:05d}") for i in range(7)),
          paper("Paper 2", None, "More on two."))  # Paper 2's entry holds both accounts
    first = await ingest(database_url, folder)
    assert changes(first) == [("bulk.jsonl", "new", 7, 0, 0, 7)]
    write(folder / "bulk.jsonl",
          paper("Paper 6", "2401.00006", "Rewritten."),  # updated
          paper("Paper 2", "2401.00002"),  # the same two accounts again, across batches: not an update
          paper("Paper 4", "2401.00004"),  # unchanged (moved up)
          paper("Paper 9", "2401.00009"),  # new
          paper("Paper 2", None, "More on two."))
    second = await ingest(database_url, folder)
    assert changes(second) == [("bulk.jsonl", "changed", 1, 1, 4, 4)]
    state = await stored(database_url)
    assert [(title, line, summary) for title, _doc, line, summary, *_ in state["entries"]] == [
        ("Paper 2", 2, f"{ABSTRACT}\n\nMore on two."), ("Paper 4", 3, ABSTRACT), ("Paper 6", 1, "Rewritten."),
        ("Paper 9", 4, ABSTRACT)]
    assert [p[1] for p in state["papers"]] == ["Paper 2", "Paper 4", "Paper 6", "Paper 9"]
    assert second.papers_total == 4


async def test_reingesting_an_unchanged_file_writes_nothing_and_still_reports_its_problems(
        database_url: str, tmp_path: Path, tiny_batches: None) -> None:
    folder = tmp_path / "corpus"
    write(folder / "bulk.jsonl", *(paper(f"Paper {i}") for i in range(5)), "not json")
    first = await ingest(database_url, folder)
    before = await stored(database_url)
    again = await ingest(database_url, folder)
    assert changes(again) == [("bulk.jsonl", "unchanged", 0, 0, 0, 5)]
    assert [str(p) for p in again.problems] == [str(p) for p in first.problems] == [
        "bulk.jsonl:6: not valid JSON (Expecting value at column 1); line skipped"]
    assert await stored(database_url) == before


async def test_problem_lines_beyond_the_cap_are_counted_not_kept(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write(folder / "broken.jsonl", *(f'{{"title": "cut short {i}' for i in range(2_345)))
    write(folder / "mixed.jsonl", paper("Kept Paper"), *("[]" for _ in range(1_001)))
    report = await ingest(database_url, folder)
    by_file = {f.source: f.status for f in report.files}
    assert by_file == {"broken.jsonl": "failed", "mixed.jsonl": "new"}
    broken = [p for p in report.problems if p.source == "broken.jsonl"]
    assert len(broken) == stream.PROBLEMS_PER_FILE + 1
    assert [p.line for p in broken[:3]] == [1, 2, 3] and broken[999].line == 1000
    assert isinstance(broken[-1], MoreProblems) and broken[-1].count == 1_345
    assert str(broken[-1]) == "broken.jsonl: ... and 1,345 more problem lines"
    mixed = [str(p) for p in report.problems if p.source == "mixed.jsonl"]
    assert len(mixed) == 1_001 and mixed[-1] == "mixed.jsonl: ... and 1 more problem line"
    assert report.problem_count == 2_345 + 1_001
    assert report.summary_line() == "1 papers: 1 added, 0 updated, 0 removed, 3346 problem(s)"
    listed = report.to_json()
    assert listed["problem_count"] == 3_346 and len(listed["problems"]) == 2_002
    assert listed["problems"][-1] == {"source": "mixed.jsonl", "line": 0,
                                      "message": "... and 1 more problem line"}


def test_every_report_counts_the_problem_lines_not_kept() -> None:
    """The terminal, the JSON and the /reload message agree on how many problems there were."""
    from bot.render import report_message
    from bot.text import render_report
    from store.ingest.report import FileChange

    kept = [Problem("broken.jsonl", n, "not valid JSON (Expecting value at column 1); line skipped")
            for n in range(1, stream.PROBLEMS_PER_FILE + 1)]
    report = IngestReport(files=[FileChange("broken.jsonl", "failed")],
                          problems=[*kept, MoreProblems.of("broken.jsonl", 152_778)])
    assert report.problem_count == report.to_json()["problem_count"] == 153_778
    text = render_report(report).splitlines()
    assert text[0] == "0 papers: 0 added, 0 updated, 0 removed, 153778 problem(s)"
    assert text[-1] == "  broken.jsonl: ... and 152,778 more problem lines"
    message = report_message(report).splitlines()
    shown = sum(line.startswith("⚠") for line in message)
    assert 0 < shown < 1_000
    assert message[0].endswith("153778 problem(s)")
    assert message[-1] == f"… and {153_778 - shown} more problem(s): run `paperbot ingest` to see all."


async def test_a_fifo_is_refused_and_the_rest_loads(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    write(folder / "bulk.jsonl", paper("Real Paper"))
    os.mkfifo(folder / "pipe.jsonl")
    assert stat.S_ISFIFO((folder / "pipe.jsonl").stat().st_mode)
    report = await ingest(database_url, folder)  # a FIFO opened for reading would wait for a writer forever
    assert {f.source: f.status for f in report.files} == {"bulk.jsonl": "new", "pipe.jsonl": "failed"}
    assert [str(p) for p in report.problems] == ["pipe.jsonl: not a regular file (a FIFO); not read"]
    assert report.papers_total == 1


async def test_a_file_that_breaks_while_it_is_read_keeps_what_the_database_had(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_batches: None) -> None:
    """The second reading finds a NUL byte that was not there at the first: the batches already written
    are rolled back, and the file's earlier entries stay."""
    folder = tmp_path / "corpus"
    path = write(folder / "bulk.jsonl", *(paper(f"Old {i}") for i in range(3)))
    await ingest(database_url, folder)
    before = await stored(database_url)
    write(path, *(paper(f"New {i}") for i in range(6)))
    monkeypatch.setattr(lines, "BLOCK", 64)  # the second reading gets far enough to write batches first
    real = stream.numbered_lines

    def then_broken(texts: Any, max_chars: int) -> Any:
        for line in real(texts, max_chars):
            if line.number == 3:
                with path.open("ab") as fh:
                    fh.write(b"\x00\n")
            yield line

    monkeypatch.setattr(stream, "numbered_lines", then_broken)
    report = await ingest(database_url, folder)
    assert changes(report) == [("bulk.jsonl", "failed", 0, 0, 0, 0)]
    assert [str(p) for p in report.problems] == ["bulk.jsonl:7: binary file (contains NUL bytes); skipped"]
    assert await stored(database_url) == before


async def test_a_worker_that_dies_mid_file_is_taken_over_where_it_stopped(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The worker sends its first batches, then dies: the rest of the file is parsed here, and the import
    is exactly what a whole parse gives."""
    folder = tmp_path / "corpus"
    write(folder / "bulk.jsonl", *(paper(f"Paper {i}", f"2402.{i:05d}") for i in range(5_000)))
    relay = tmp_path / "dying-worker"
    relay.write_text(f"""#!{sys.executable}
import subprocess, sys
real = subprocess.Popen([{sys.executable!r}, "-m", "store.ingest.worker"], stdin=sys.stdin, stdout=subprocess.PIPE)
for _ in range(3):  # the file's Opened and its first two batches, then nothing
    size = real.stdout.read(8)
    sys.stdout.buffer.write(size + real.stdout.read(int.from_bytes(size, "big")))
sys.stdout.buffer.flush()
real.kill()
""")
    relay.chmod(0o755)
    monkeypatch.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(corpus.sys, "executable", str(relay))
    with caplog.at_level(logging.WARNING, logger=corpus.__name__):
        report = await ingest(database_url, folder)
    assert any("the parsing process stopped" in r.getMessage() for r in caplog.records)
    assert changes(report) == [("bulk.jsonl", "new", 5_000, 0, 0, 5_000)]
    state = await stored(database_url)
    assert [e[2] for e in state["entries"]] == sorted(range(1, 5_001), key=lambda n: f"Paper {n - 1}")


# --- streamed or whole: the same database --------------------------------------------------------------------------

# A title's arXiv id, when a file gives it: one paper under two spellings and an alias, another paper, and
# papers without identifiers. Within a file, a title (any case) comes with its id on every line or on none: a paper's
# identity is known from its first line. (When only a later line of the paper gives an id that another paper
# holds, a line stored before it was matched by its title alone: where the batches end can then decide.)
TITLES = {"Sparse Attention": "2401.00001", "sparse attention": "2401.00001", "Attention Made Sparse": "2401.00001",
          "Dense Nets": "2401.00002", "Survey": None, "Graph Learning": None}


@st.composite
def files(draw: st.DrawFn) -> list[str]:
    with_id = {title.lower(): draw(st.booleans()) for title in sorted(TITLES)}
    lines_ = []
    for _ in range(draw(st.integers(1, 8))):
        title = draw(st.sampled_from(sorted(TITLES)))
        arxiv = TITLES[title] if with_id[title.lower()] else None
        lines_.append(paper(title, arxiv, draw(st.sampled_from(["A.", "B."])),
                            draw(st.sampled_from(["Ada Lovelace", "Alan Turing, Ada Lovelace", "A. Turing"]))))
    return lines_


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each example (migrating costs more than the example)."""
    import asyncio

    from store.db.engine import make_engine

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"

    async def migrate() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return path


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=files(), second=files(), batch=st.integers(1, 3))
async def test_streamed_in_batches_or_whole_the_database_is_the_same(
        tmp_path_factory: pytest.TempPathFactory, template: Path, first: list[str], second: list[str],
        batch: int) -> None:
    """Any file, then any change to it: stored a few records at a time, the papers, entries, authorships
    and reported changes are those of the file stored in one batch."""
    results = []
    for size in (batch, 10_000):
        where = tmp_path_factory.mktemp("example")
        shutil.copy(template, where / "db.sqlite3")
        url = f"sqlite+aiosqlite:///{where / 'db.sqlite3'}"
        old = stream.BATCH_RECORDS
        stream.BATCH_RECORDS = size
        try:
            write(where / "corpus" / "bulk.jsonl", *first)
            one = changes(await ingest(url, where / "corpus"))
            write(where / "corpus" / "bulk.jsonl", *second)
            two = changes(await ingest(url, where / "corpus"))
        finally:
            stream.BATCH_RECORDS = old
        results.append((one, two, await stored(url)))
    assert results[0] == results[1]
