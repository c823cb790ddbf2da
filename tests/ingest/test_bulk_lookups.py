"""The pieces a bulk import's speed rests on answer as the slower forms they replaced: the Bloom filter of
what a file gave (numpy, a batch at a time), look-ups of any number of values in one statement, a merge
that copies a record only when a second account is folded in, the fullest display form, and SQLite's
page cache sized for the transaction and given back."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, insert, select, text

from store.corpus.bloom import Bloom
from store.corpus.bulk import IMPORT_CACHE_KIB, import_cache
from store.corpus.derive import _fuller, _fullest
from store.corpus.entries import merge_duplicates
from store.corpus.lookups import paper_key, rows_in
from store.db.engine import make_engine, make_sessionmaker
from store.db.migrate import upgrade
from store.db.models import Paper, Person
from store.ingest.records import PaperRecord


def test_the_filter_answers_for_earlier_batches_never_wrongly_no() -> None:
    heard = Bloom()
    rng = random.Random(7)
    first = [[f"title {i}", ("arxiv_id", f"2401.{i:05d}")] for i in range(5_000)]
    assert heard.given_before(first) == [False] * len(first)  # a batch is not "before" itself
    again = [[f"title {i}"] for i in range(5_000)] + [[("arxiv_id", f"2401.{i:05d}")] for i in range(5_000)]
    assert all(heard.given_before(again))
    fresh = [[f"other {rng.random()}"] for _ in range(5_000)]
    assert sum(heard.given_before(fresh)) < 50  # a wrong yes is rare (a needless look-up), never a wrong no
    assert heard.given_before([[], ["title 3"]]) == [False, True]


async def test_a_look_up_of_any_number_of_values_is_one_statement(tmp_path: Path) -> None:
    """40,000 keys (more than SQLite's parameter limit, once chunks of 500), ids, and a key holding a NUL,
    which matches the stored key as every parameter's NUL is dropped."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    statements: list[str] = []
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session, session.begin():
            await session.execute(insert(Person), [{"key": f"person {i}", "name": f"Person {i}"}
                                                   for i in range(30_000)])
            await session.execute(insert(Person).values(key="nul in key", name="N"))
            event.listen(engine.sync_engine, "before_cursor_execute",
                         lambda *args: statements.append(args[2]))
            wanted = [f"person {i}" for i in range(0, 40_000)] + ["nul in\x00 key"]
            rows = await rows_in(session, select(Person.key, Person.id), Person.key, wanted)
            assert len(statements) == 1
            found = {k for k, _ in rows}
            assert found == {f"person {i}" for i in range(30_000)} | {"nul in key"}
            ids = [i for _, i in rows][:1000]
            by_id = await rows_in(session, select(Person.id, Person.key), Person.id, set(ids))
            assert sorted(i for i, _ in by_id) == sorted(ids)
            assert await rows_in(session, select(Person.id), Person.id, []) == []
    finally:
        await engine.dispose()


async def test_the_page_cache_grows_with_the_import_then_is_given_back(tmp_path: Path) -> None:
    """A tenth of the database the import leaves (at most IMPORT_CACHE_KIB), never less than the connection's
    own; the connection's own size afterwards."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    try:
        await upgrade(engine)
        async with make_sessionmaker(engine)() as session, session.begin():
            before = await session.scalar(text("PRAGMA cache_size"))
            base = await session.scalar(text("PRAGMA page_count")) * await session.scalar(text("PRAGMA page_size"))
            for incoming, expected in ((0, before), (1 << 30, -((base + (2 << 30)) // 10 >> 10)),
                                       (100 << 30, -IMPORT_CACHE_KIB)):
                async with import_cache(session, incoming):
                    assert await session.scalar(text("PRAGMA cache_size")) == expected
                    await session.execute(insert(Paper).values(key=f"k{incoming}", title="T",
                                                               added_at=text("CURRENT_TIMESTAMP")))
                assert await session.scalar(text("PRAGMA cache_size")) == before
    finally:
        await engine.dispose()


def _record(title: str, line: int, arxiv: str | None = None, summary: str = "") -> PaperRecord:
    return PaperRecord(title=title, arxiv_id=arxiv, line=line, summary=summary, source="f.jsonl",
                       authors=[f"Author {line}"], topics=[f"topic {line}"])


def test_a_merge_copies_only_the_records_it_folds_into() -> None:
    one = _record("Sparse Attention", 1, "2401.00001", "first")
    two = _record("Dense Attention", 2, summary="alone")
    three = _record("sparse attention", 3, summary="second")  # the same paper by title
    four = _record("Other Title", 4, "2401.00001", "third")  # ... and by arXiv id
    as_they_were = [replace(r) for r in (one, two, three, four)]
    accounts: dict[str, list[PaperRecord]] = {}
    merged = merge_duplicates([one, two, three, four], accounts)
    assert [one, two, three, four] == as_they_were  # the accounts are untouched
    key = paper_key("Sparse Attention")
    assert merged[key] is not one and merged[key].summary == "first\n\nsecond\n\nthird"
    assert merged[paper_key("Dense Attention")] is two  # one account: no copy
    assert accounts[key] == [one, three, four] and accounts[paper_key("Dense Attention")] == [two]


names = st.lists(st.sampled_from(["Quoc Le", "Quoc V. Le", "Q. Le", "Quoc  Le", "Le"]), min_size=1, max_size=6)


@given(names, st.sampled_from(["Quoc Le", "Quoc V. Le", "Le"]))
def test_the_fullest_form_is_the_one_max_chose(forms: list[str], shown: str) -> None:
    def chosen(values: list[str]) -> str:
        return max(values, key=lambda n: (len(n.split()), len(n), n))

    assert _fullest(forms) == chosen(forms)
    assert _fuller(shown, forms) == chosen([shown, *forms])


@given(st.lists(st.text()) | st.dictionaries(st.text(), st.lists(st.integers() | st.none() | st.text())))
def test_json_columns_are_written_as_json_dumps_writes_them(value: object) -> None:
    from store.text import json_text

    assert json_text.FAST is not None  # CPython's C encoder: the fast path runs here
    assert json_text.FAST(value) == json.dumps(value) == json_text.json_text(value)
