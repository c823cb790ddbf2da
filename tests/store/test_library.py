"""The store end to end on a real SQLite file: ingest, re-ingest, change, remove, merge, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.db.models import Authorship, Document, Entry, Paper, Person
from store.library import BUNDLED_SEEDS, Library

SEED_FILES = sorted(BUNDLED_SEEDS.glob("*.txt"))


def note(title: str, authors: str, summary: str, **extra: str) -> str:
    head = "\n".join(f"{k}: {v}" for k, v in {"title": title, "authors": authors, **extra}.items())
    return f"---\n{head}\n---\n{summary}\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for f in SEED_FILES:
        shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture
async def library(database_url: str, corpus: Path):
    lib = Library(database_url, corpus)
    yield lib
    await lib.close()


async def counts(lib: Library) -> dict[str, int]:
    async with lib.sessionmaker() as s:
        return {m.__name__: await s.scalar(select(func.count()).select_from(m)) or 0
                for m in (Document, Paper, Entry, Person, Authorship)}


async def test_empty_database_ingests_the_corpus_on_start(library: Library) -> None:
    report = await library.start()
    assert report is not None
    assert {f.source for f in report.files} == {f.name for f in SEED_FILES}
    assert all(f.status == "new" and f.papers > 0 for f in report.files)
    assert len(library.index) == report.papers_total == (await counts(library))["Paper"]
    assert report.added == sum(f.papers for f in report.files)


async def test_reingesting_the_same_files_changes_nothing(library: Library) -> None:
    await library.start()
    before = await counts(library)
    async with library.sessionmaker() as s:
        stamps = dict((await s.execute(select(Paper.key, Paper.added_at))).all())
    again = await library.ingest()
    assert [f.status for f in again.files] == ["unchanged"] * len(SEED_FILES)
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert await counts(library) == before
    async with library.sessionmaker() as s:
        assert dict((await s.execute(select(Paper.key, Paper.added_at))).all()) == stamps


async def test_a_changed_file_updates_only_its_papers(library: Library, corpus: Path) -> None:
    (corpus / "extra.md").write_text(
        note("Alpha Networks", "Ada Lovelace; Alan Turing", "Alpha is about counting.") +
        note("Beta Networks", "Grace Hopper", "Beta is about compilers."), encoding="utf-8")
    await library.start()
    first = await library.search.paper("alpha networks counting")
    assert first.hits and first.hits[0].paper.title == "Alpha Networks"

    (corpus / "extra.md").write_text(
        note("Alpha Networks", "Ada Lovelace; Alan Turing", "Alpha is about counting sheep.") +
        note("Gamma Networks", "Edsger Dijkstra", "Gamma is about shortest paths."), encoding="utf-8")
    report = await library.reload()
    extra = next(f for f in report.files if f.source == "extra.md")
    assert (extra.status, extra.added, extra.updated, extra.removed) == ("changed", 1, 1, 1)
    assert all(f.status == "unchanged" for f in report.files if f.source != "extra.md")
    titles = {p.title for p in library.catalog}
    assert "Gamma Networks" in titles and "Beta Networks" not in titles
    alpha = next(p for p in library.catalog if p.title == "Alpha Networks")
    assert "sheep" in alpha.summary
    async with library.sessionmaker() as s:  # Grace Hopper wrote nothing else: no orphan person row
        assert not await s.scalar(select(func.count()).select_from(Person).where(Person.key == "grace hopper"))


async def test_a_removed_file_removes_its_papers(library: Library, corpus: Path) -> None:
    await library.start()
    victim = SEED_FILES[0].name
    before = {p.title for p in library.catalog if all(s.source == victim for s in p.summaries)}
    assert before
    (corpus / victim).unlink()
    report = await library.reload()
    gone = next(f for f in report.files if f.source == victim)
    assert gone.status == "removed" and gone.removed == len(before)
    assert not before & {p.title for p in library.catalog}
    async with library.sessionmaker() as s:
        assert not await s.scalar(select(func.count()).select_from(Document).where(Document.name == victim))


async def test_one_paper_in_two_documents_is_one_record_with_both_summaries(library: Library,
                                                                            corpus: Path) -> None:
    (corpus / "a.md").write_text(note("Deep Residual Learning", "Kaiming He; Xiangyu Zhang",
                                      "Skip connections help.", venue="CVPR", year="2016"), encoding="utf-8")
    (corpus / "b.md").write_text(note("Deep residual learning.", "He, Kaiming and Zhang, Xiangyu and Ren, "
                                      "Shaoqing", "Identity shortcuts ease optimisation."), encoding="utf-8")
    await library.start()
    matches = [p for p in library.catalog if "residual learning" in p.title.lower()]
    assert len(matches) == 1
    paper = matches[0]
    assert {s.source for s in paper.summaries} == {"a.md", "b.md"}
    assert "Skip connections" in paper.summary and "Identity shortcuts" in paper.summary
    assert paper.authors == ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren")
    assert (paper.venue, paper.year) == ("CVPR", 2016)


async def test_a_broken_file_is_reported_and_the_rest_still_load(library: Library, corpus: Path) -> None:
    (corpus / "good.md").write_text(note("Kept Paper", "Ada Lovelace", "Still here."), encoding="utf-8")
    await library.start()
    (corpus / "good.md").write_bytes(b"\x00\x01binary\xff" * 50)  # the same file, now garbage
    (corpus / "latin1.txt").write_bytes("Caf\xe9 by Jos\xe9\n".encode("latin-1"))
    report = await library.reload()
    by_name = {f.source: f for f in report.files}
    assert by_name["good.md"].status == "failed" and by_name["latin1.txt"].status == "failed"
    assert {p.source for p in report.problems} >= {"good.md", "latin1.txt"}
    assert all(p.message for p in report.problems)
    assert "Kept Paper" in {p.title for p in library.catalog}  # the failed file's last good state stays
    assert len([f for f in report.files if f.status == "unchanged"]) == len(SEED_FILES)


async def test_names_written_differently_are_one_person(library: Library) -> None:
    await library.start()
    async with library.sessionmaker() as s:
        keys = (await s.scalars(select(Person.key))).all()
    assert len(keys) == len(set(keys))
    result = await library.search.author("Quoc Le")
    titles = {h.paper.title for h in result.hits}
    assert any("Gradient Noise" in t for t in titles)
    assert any("Efficient Neural Architecture Search" in t for t in titles)
    assert all(any("Le" in a.split() for a in h.paper.authors) for h in result.hits)
