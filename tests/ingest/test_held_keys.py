"""A large import asks its filter of the keys the database holds before it asks the database
(store.corpus.fresh.held_keys): the filter is given the database's title keys, entries' keys and identifiers
as the import begins and every key the import writes, fresh or plain, so the import leaves exactly the rows
the database's own answers would; and most of a batch's values are not asked of the database at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import store.corpus.fresh as fresh
import store.corpus.sync as sync
from store.corpus.bloom import Bloom
from store.ingest import stream
from tests.ingest.bulk import changes, ingest, paper, stored, write
from tests.ingest.test_fresh_batches import random_steps


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """For each batch's check, how many title keys and identifiers it asked of the database."""
    counts: list[int] = []
    real = fresh.json_array

    def counted(values: list[str]) -> str:
        counts.append(len(values))
        return real(values)

    monkeypatch.setattr(fresh, "json_array", counted)
    return counts


def _large(monkeypatch: pytest.MonkeyPatch, held: bool, bits_log2: int | None = None) -> list[Bloom]:
    """Every import taken as large (`held`) or none; `bits_log2`: the filters made that small, so that they
    answer yes wrongly often. The filters the imports made are listed."""
    made: list[Bloom] = []

    async def large(session: Any, parsed_bytes: int) -> bool:
        return held

    real = fresh.held_keys

    async def held_keys(session: Any, parsed_bytes: int) -> Bloom:
        made.append(await real(session, parsed_bytes))
        return made[-1]

    monkeypatch.setattr(sync, "large_import", large)
    monkeypatch.setattr(sync, "held_keys", held_keys)
    if bits_log2 is not None:
        monkeypatch.setattr(Bloom, "for_about", classmethod(lambda cls, count: cls(bits_log2)))
    return made


@pytest.mark.parametrize(("batch", "bits_log2"), [(3, None), (17, None), (17, 10)])
async def test_random_files_leave_the_rows_the_databases_answers_leave(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch: int, bits_log2: int | None) -> None:
    """Papers that often name one paper again, near or far, by title or arXiv id, imported, then one file
    changed: fresh and plain batches one after another. With the filter (a 1,024-bit one answers yes
    wrongly for most values) the rows are the very rows, ids included, of the import without it."""
    async def run(root: Path, held: bool) -> list[Any]:
        with monkeypatch.context() as m:
            made = _large(m, held, bits_log2)
            m.setattr(stream, "BATCH_RECORDS", batch)
            steps = await random_steps(root)
            assert len(made) == (2 if held else 0)
        return steps

    assert await run(tmp_path / "held", True) == await run(tmp_path / "asked", False)


async def test_a_large_import_finds_what_the_database_held_before_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, asked: list[int]) -> None:
    """What a first import stored is in the second's filter: a paper named again by its title, by its arXiv
    id, or by the title only another document's entry gives it (an alias), is found, not made again."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    first = tmp_path / "first"
    write(first / "a.jsonl", paper("Sparse Attention", "2401.00001"), paper("Dense Nets", "2401.00002"),
          paper("Graph Learning", None))
    write(first / "b.jsonl", paper("Attention Made Sparse", "2401.00001", "Again."))  # an alias of paper 1
    await ingest(url, first)
    before = await stored(url)
    assert len(before["papers"]) == 3

    made = _large(monkeypatch, True)
    write(first / "c.jsonl", paper("Graph Learning", None, "By title."), paper("Another Name", "2401.00002"),
          paper("Attention Made Sparse", None, "By alias."), paper("Truly New", "2401.00009"))
    monkeypatch.setattr(stream, "BATCH_RECORDS", 1)
    asked.clear()
    report = await ingest(url, first)
    assert len(made) == 1
    after = await stored(url)
    assert sorted(p[5] or "" for p in after["papers"]) == ["", "2401.00001", "2401.00002", "2401.00009"]
    assert changes(report)[-1] == ("c.jsonl", "new", 4, 0, 0, 4)  # four entries, of four papers
    entries = sorted((e[0], e[1]) for e in after["entries"])  # (the paper's title, the document)
    assert len(entries) == 3 + 1 + 4 and len({title for title, _ in entries}) == 4, entries
    # Each known paper's batch asked the database for the one value the filter held (its title key or its
    # arXiv id); "Truly New"'s batch asked nothing: neither its title key nor its arXiv id was in the filter.
    per_batch = [sum(asked[i:i + 4]) for i in range(0, len(asked), 4)]  # a check: its keys, then 3 kinds of id
    assert per_batch == [1, 1, 1], asked


async def test_a_large_import_asks_the_database_for_few_of_its_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, asked: list[int]) -> None:
    """3,000 new papers in batches of 500, into a database of 20: without the filter every batch asks the
    database for each of its title keys and identifiers; with it, only for the few it may hold."""
    async def run(root: Path, held: bool) -> int:
        with monkeypatch.context() as m:
            url = f"sqlite+aiosqlite:///{root / 'db.sqlite3'}"
            write(root / "a.jsonl", *(paper(f"Older Paper {i}", f"2301.{i:05d}") for i in range(20)))
            await ingest(url, root)
            _large(m, held)
            m.setattr(stream, "BATCH_RECORDS", 500)
            write(root / "b.jsonl", *(paper(f"Newer Paper {i}", f"2402.{i:05d}") for i in range(3_000)))
            asked.clear()
            report = await ingest(url, root)
            assert changes(report) == [("a.jsonl", "unchanged", 0, 0, 0, 20), ("b.jsonl", "new", 3_000, 0, 0, 3_000)]
            return sum(asked)

    given = 3_000 * 2  # a title key and an arXiv id a paper
    assert await run(tmp_path / "asked", False) == given
    assert await run(tmp_path / "held", True) < given / 50


def test_a_filter_sized_for_its_values_answers_yes_wrongly_rarely() -> None:
    bloom = Bloom.for_about(50_000)
    assert bloom.nbytes == (1 << 20) // 8 * 1  # 16 bits a value, rounded up to a power of two: 2**20 bits
    values = [f"title {i}" for i in range(50_000)]
    bloom.add(values)
    assert bloom.holds(values).all()
    wrong = bloom.holds([f"other {i}" for i in range(50_000)]).mean()
    assert wrong < 0.03, wrong
    assert Bloom.for_about(0).nbytes == (1 << 20) // 8 and Bloom.for_about(10**12).nbytes == (1 << 28) // 8 == 32 << 20
    with pytest.raises(ValueError, match="bits_log2"):
        Bloom(40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=60), st.lists(st.text(max_size=12), max_size=60),
       st.integers(min_value=10, max_value=14))
def test_a_value_given_is_never_answered_no(given_values: list[str], others: list[str], bits_log2: int) -> None:
    bloom = Bloom(bits_log2)
    bloom.add(given_values)
    assert bloom.holds(given_values).all()
    assert bloom.holds([*others, *given_values])[len(others):].all()
    assert bloom.holds([]).shape == (0,)


def test_the_keys_the_plain_path_may_write_are_its_records_title_keys_and_identifiers() -> None:
    from store.ingest.readings.arxiv_jsonl import parse_line

    records = [parse_line(json.dumps({"title": "Sparse-Attention: A Survey", "id": "2401.00001",
                                      "abstract": "A.", "authors": "Ada Lovelace"}), "a.jsonl", 1),
               parse_line(json.dumps({"title": "Dense Nets", "abstract": "B.", "authors": "Ada Lovelace",
                                      "doi": "10.1/X"}), "a.jsonl", 2)]
    assert fresh.plain_keys(records, {}) == ["sparse attention a survey", "dense nets", "2401.00001"]
