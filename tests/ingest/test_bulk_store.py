"""The bulk import stored batch by batch, with exactly the result of storing it whole: a paper named again in
a later batch, a changed file that drops papers across batches, a file or a worker that breaks half-way; problem
lines beyond the cap are counted, not kept. (The batch size is forced tiny: every chunked path runs.)"""

from __future__ import annotations

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
from store.db.models import Authorship, Paper, Person
from store.ingest import corpus, stream
from store.ingest.records import MoreProblems, Problem
from store.ingest.report import IngestReport
from store.ingest.text import lines
from store.library import Library
from tests.ingest.bulk import ABSTRACT, changes, ingest, paper, stored, write

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
            await upgrade(library.database.engine)
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
        async with library.sessionmaker() as s:
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


async def test_a_new_file_that_breaks_further_on_leaves_nothing_and_the_rest_loads(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_batches: None) -> None:
    """A file the database does not hold is read once: a NUL byte past its first block is found after its first
    batches were written, and they are rolled back with the file; the other file loads."""
    folder = tmp_path / "corpus"
    write(folder / "a.jsonl", paper("Kept Paper"))
    broken = write(folder / "b.jsonl", *(paper(f"Broken {i}") for i in range(6)))
    with broken.open("ab") as fh:
        fh.write(b"\x00\n")
    monkeypatch.setattr(lines, "BLOCK", 64)
    report = await ingest(database_url, folder)
    assert changes(report) == [("a.jsonl", "new", 1, 0, 0, 1), ("b.jsonl", "failed", 0, 0, 0, 0)]
    assert [str(p) for p in report.problems] == ["b.jsonl:7: binary file (contains NUL bytes); skipped"]
    state = await stored(database_url)
    assert [p[1] for p in state["papers"]] == ["Kept Paper"]
    assert [e[1] for e in state["entries"]] == ["a.jsonl"]


async def test_only_a_file_the_database_holds_is_read_for_its_fingerprint_first(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """New files are read once; a changed file is read whole first (its fingerprint against the document's),
    then for its records; an unchanged one is fingerprinted, not parsed."""
    folder = tmp_path / "corpus"
    write(folder / "a.jsonl", paper("First"))
    changed = write(folder / "b.jsonl", paper("Second"))
    readings: list[str] = []
    real = lines.TextBlocks._texts

    def counted(self: lines.TextBlocks) -> Any:
        readings.append(self.source)
        return real(self)

    monkeypatch.setattr(lines.TextBlocks, "_texts", counted)
    assert changes(await ingest(database_url, folder)) == [("a.jsonl", "new", 1, 0, 0, 1),
                                                           ("b.jsonl", "new", 1, 0, 0, 1)]
    assert readings == ["a.jsonl", "b.jsonl"]
    readings.clear()
    write(changed, paper("Second"), paper("Third"))
    assert changes(await ingest(database_url, folder)) == [("a.jsonl", "unchanged", 0, 0, 0, 1),
                                                           ("b.jsonl", "changed", 1, 0, 0, 2)]
    assert readings == ["b.jsonl", "b.jsonl"]
    state = await stored(database_url)
    assert sorted(p[1] for p in state["papers"]) == ["First", "Second", "Third"]


def _dying_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, then: str = "") -> None:
    """The import's parsing process made one that relays the real one's first three messages (the file's Opened
    and its first two batches), runs `then` (Python), and kills it."""
    relay = tmp_path / "dying-worker"
    relay.write_text(f"""#!{sys.executable}
import subprocess, sys
real = subprocess.Popen([{sys.executable!r}, "-m", "store.ingest.worker"], stdin=sys.stdin, stdout=subprocess.PIPE)
for _ in range(3):
    size = real.stdout.read(8)
    sys.stdout.buffer.write(size + real.stdout.read(int.from_bytes(size, "big")))
sys.stdout.buffer.flush()
{then}
real.kill()
""")
    relay.chmod(0o755)
    monkeypatch.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(corpus.sys, "executable", str(relay))


@pytest.mark.parametrize("held", [False, True])
async def test_a_file_changed_when_the_worker_died_is_not_taken_over(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, held: bool) -> None:
    """The worker sends its first batches, the file changes, the worker dies: the file read here is not the one
    the worker read (by its fingerprint when it was read for it first, else by its size and time), so it fails
    and the database keeps what it had of it."""
    folder = tmp_path / "corpus"
    path = write(folder / "bulk.jsonl", *(paper(f"Paper {i}", f"2402.{i:05d}") for i in range(5_000)))
    before: dict[str, Any] = {"papers": [], "entries": [], "authorships": [], "people": []}
    if held:
        await ingest(database_url, folder)
        before = await stored(database_url)
        write(path, *(paper(f"Paper {i}", f"2402.{i:05d}") for i in range(5_001)))
    _dying_worker(tmp_path, monkeypatch, then=f"""with open({str(path)!r}, "a") as fh:
    fh.write({paper("Paper Late")!r} + "\\n")""")
    report = await ingest(database_url, folder)
    assert changes(report) == [("bulk.jsonl", "failed", 0, 0, 0, 0)]
    assert [str(p) for p in report.problems] == ["bulk.jsonl: changed while it was read; not read"]
    assert await stored(database_url) == before


async def test_a_worker_that_dies_mid_file_is_taken_over_where_it_stopped(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """The worker sends its first batches, then dies: the rest of the file is parsed here, and the import
    is exactly what a whole parse gives."""
    folder = tmp_path / "corpus"
    write(folder / "bulk.jsonl", *(paper(f"Paper {i}", f"2402.{i:05d}") for i in range(5_000)))
    _dying_worker(tmp_path, monkeypatch)
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
