"""A batch of papers the database does not know is written without the plain path's look-ups
(store.corpus.fresh): exactly the batches that qualify take it, and they leave the very rows, ids included,
that the plain path leaves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import store.corpus.fresh as fresh
import store.corpus.sync as sync
from store.db.models import Authorship, CorpusChange, Document, Entry, Paper, PaperTopic, Person, Topic
from store.ingest import stream
from store.library import Library
from tests.ingest.bulk import changes, ingest, paper, write
from tests.ingest.test_bulk_same_database import FIRST, NOTE, SECOND, SECOND_CHANGED

# The times, the folder's path and the change log's version stamp and origin differ from run to run.
VARYING = ("added_at", "ingested_at", "root", "changed_at", "version", "origin")


async def _rows(url: str) -> dict[str, Any]:
    """Every corpus table's rows as stored, ids included."""
    library = Library(url)
    try:
        async with library.sessionmaker() as s:
            out: dict[str, Any] = {}
            for model in (Paper, Entry, Person, Topic, Authorship, PaperTopic, Document, CorpusChange):
                columns = [c for c in model.__table__.columns if c.key not in VARYING]
                out[model.__tablename__] = sorted(
                    (tuple(tuple(v) if isinstance(v, list) else v for v in row)
                     for row in (await s.execute(select(*columns))).all()), key=repr)
        return out
    finally:
        await library.close()


async def _run(root: Path, batch: int, take_fresh: bool, monkeypatch: pytest.MonkeyPatch
               ) -> tuple[list[Any], list[int]]:
    """The corpus of test_bulk_same_database ingested, unchanged, changed, partly removed; the rows and
    reports after each step, and how many batches each step wrote as new papers."""
    written: list[int] = [0]
    real = fresh.write_fresh

    async def counted(*args: Any) -> bool:
        if take_fresh and await real(*args):
            written[-1] += 1
            return True
        return False

    monkeypatch.setattr(stream, "BATCH_RECORDS", batch)
    monkeypatch.setattr(sync, "write_fresh", counted)
    url = f"sqlite+aiosqlite:///{root / 'db.sqlite3'}"
    corpus = root / "corpus"
    write(corpus / "a.jsonl", *FIRST)
    write(corpus / "b.jsonl", *SECOND)
    (corpus / "note.md").write_text(NOTE, encoding="utf-8")
    steps = [changes(await ingest(url, corpus)), await _rows(url)]
    written.append(0)
    steps += [changes(await ingest(url, corpus)), await _rows(url)]
    written.append(0)
    write(corpus / "b.jsonl", *SECOND_CHANGED)
    steps += [changes(await ingest(url, corpus)), await _rows(url)]
    written.append(0)
    (corpus / "a.jsonl").unlink()
    steps += [changes(await ingest(url, corpus)), await _rows(url)]
    monkeypatch.undo()
    return steps, written


@pytest.mark.parametrize(("batch", "expected"), [
    # One record a batch: a.jsonl's papers but "sparse attention" (its title is stored by then); b.jsonl's
    # "Fresh Paper", the others being known by arXiv id or title; after the change, "Newer Paper".
    (1, [5, 0, 1, 0]),
    # Two a batch: a.jsonl's first and third batches; b.jsonl's batches each hold a known paper.
    (2, [2, 0, 1, 0]),
    # Whole files: a.jsonl names a paper twice, b.jsonl and its change name known papers.
    (10_000, [0, 0, 0, 0]),
])
async def test_new_papers_are_written_as_the_plain_path_writes_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                    batch: int, expected: list[int]) -> None:
    plain, none = await _run(tmp_path / "plain", batch, False, monkeypatch)
    fast, written = await _run(tmp_path / "fast", batch, True, monkeypatch)
    assert none == [0, 0, 0, 0]
    assert written == expected
    assert fast == plain


async def test_a_later_batch_that_names_a_new_paper_again_is_merged_with_it(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch written as new papers is not heard by the file's filter (`Written.deaf`): a later batch naming
    one of them again asks the database, and finds it by arXiv id."""
    monkeypatch.setattr(stream, "BATCH_RECORDS", 1)
    corpus = tmp_path / "corpus"
    write(corpus / "a.jsonl", paper("Sparse Attention", "2401.00001", "One."), paper("Dense Nets", None, "Two."),
          paper("Attention Made Sparse", "2401.00001", "Again.", "Alan Turing"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    assert changes(await ingest(url, corpus)) == [("a.jsonl", "new", 2, 0, 0, 2)]
    rows = await _rows(url)
    assert [(e[2], e[4], e[5], e[10]) for e in sorted(rows["entries"])] == [
        (1, "Sparse Attention", ("Ada Lovelace",), "One.\n\nAgain."), (2, "Dense Nets", ("Ada Lovelace",), "Two.")]
    assert [p[:3] for p in rows["papers"]] == [(1, "sparse attention", "Sparse Attention"),
                                               (2, "dense nets", "Dense Nets")]
    assert rows["authorships"] == [(1, 1, 0, "Ada Lovelace"), (2, 1, 0, "Ada Lovelace")]
    assert [p[1:] for p in rows["people"]] == [("ada lovelace", "Ada Lovelace")]


def _random_papers(seed: int, count: int) -> list[str]:
    """Papers that often name one paper again (a title or an arXiv id repeated, near or far) and people
    written several ways, with topics: batches of every kind, fresh and plain, one after another."""
    import json
    import random

    rng = random.Random(seed)
    words = ["sparse", "dense", "attention", "graph", "learning", "nets", "survey", "deep", "Robust"]
    people = ["Quoc Le", "Quoc V. Le", "Ada Lovelace", "Lovelace, Ada", "A. Lovelace", "Grace Hopper",
              "Grace B. Hopper", "Alan Turing", "Alan M. Turing", "Edsger Dijkstra", "Barbara Liskov"]
    categories = ["cs.LG", "cs.CV", "cs.CL", "stat.ML", "cs.NE"]
    lines = []
    for i in range(count):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        item: dict[str, Any] = {
            "title": title + (f" {i}" if rng.random() < 0.7 else ""),
            "abstract": f"Abstract {i}.",
            "authors": ", ".join(rng.sample(people, rng.randint(1, 4))),
            "categories": " ".join(rng.sample(categories, rng.randint(1, 2)))}
        if rng.random() < 0.8:
            item["id"] = f"2401.{rng.randint(0, count * 2):05d}"
        lines.append(json.dumps(item))
    return lines


async def random_steps(root: Path) -> list[Any]:
    """Two files of `_random_papers` ingested, then one of them changed: the reports and rows after each."""
    url = f"sqlite+aiosqlite:///{root / 'db.sqlite3'}"
    corpus = root / "corpus"
    write(corpus / "a.jsonl", *_random_papers(1, 150))
    write(corpus / "b.jsonl", *_random_papers(2, 150))
    steps = [changes(await ingest(url, corpus)), await _rows(url)]
    write(corpus / "b.jsonl", *_random_papers(3, 120))
    return [*steps, changes(await ingest(url, corpus)), await _rows(url)]


@pytest.mark.parametrize("batch", [3, 17])
async def test_random_files_leave_the_plain_paths_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       batch: int) -> None:
    async def run(root: Path, take_fresh: bool) -> tuple[list[Any], int]:
        written = 0
        real = fresh.write_fresh

        async def counted(*args: Any) -> bool:
            nonlocal written
            if take_fresh and await real(*args):
                written += 1
                return True
            return False

        with monkeypatch.context() as m:
            m.setattr(stream, "BATCH_RECORDS", batch)
            m.setattr(sync, "write_fresh", counted)
            steps = await random_steps(root)
        return steps, written

    plain, none = await run(tmp_path / "plain", False)
    fast, written = await run(tmp_path / "fast", True)
    print(f"\n{written} batches of new papers")
    assert none == 0 and written > 0
    assert fast == plain
