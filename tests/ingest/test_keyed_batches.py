"""The parsing process works out the person keys of a batch's authors, its titles' keys and its rows as new
papers (`store.ingest.stream.Keyed`): the database side takes them instead of working them out again, and
stores what it would have stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import store.corpus.lookups as lookups
import store.ingest.records.rows as rows
from store.ingest import corpus
from store.ingest.records import PaperRecord, Parsed
from store.ingest.stream import Keyed, keyed
from store.text.folding import fold, title_key
from store.text.names import person_key
from tests.ingest.bulk import ingest, paper, stored, write

AUTHORS = ["Ada Lovelace, Alan M. Turing", "Lovelace, Ada", "Sohl-Dickstein, Jascha and Aäron van den Oord",
           "Grace B. Hopper", "Quoc V. Le and Quoc Le"]


def _papers() -> list[str]:
    return [paper(f"Sparse Attention Number {i}", f"2401.{i:05d}", authors=AUTHORS[i % len(AUTHORS)])
            for i in range(60)]


def test_a_batch_is_keyed_with_every_author_name_it_gives() -> None:
    records = [PaperRecord(title="A", authors=["Ada Lovelace", "Lovelace, Ada"], summary="s", source="f", line=1),
               PaperRecord(title="B", authors=["Aäron van den Oord", "Ada Lovelace"], summary="s", source="f", line=2)]
    batch = keyed(Parsed(records, []))
    assert isinstance(batch, Keyed) and batch.records == records and batch.problems == []
    assert batch.people == {name: person_key(name) for name in
                            ("Ada Lovelace", "Lovelace, Ada", "Aäron van den Oord")}
    assert batch.titles == {"A": title_key(fold("A")), "B": title_key(fold("B"))}
    assert batch.rows is not None and batch.rows.keys == ["a", "b"] and batch.rows.distinct
    # A person once a paper ("Lovelace, Ada" is Ada Lovelace again), at the place first named; every name
    # written under each key, in order.
    ada, oord = person_key("Ada Lovelace"), person_key("Aäron van den Oord")
    assert batch.rows.authorships == [[0, 1, 1], [ada, oord, ada], [0, 0, 1],
                                      ["Ada Lovelace", "Aäron van den Oord", "Ada Lovelace"]]
    assert batch.rows.people == {ada: ["Ada Lovelace", "Ada Lovelace"], oord: ["Aäron van den Oord"]}


def test_a_title_folded_elsewhere_has_the_key_it_has_here() -> None:
    titles = ("Attention Is All You Need", "Self-Supervised Learning – a Survey", "Ärger über Straßen", "", "x" * 600)
    for title in titles:
        assert lookups.title_key(fold(title)) == lookups.paper_key(title)
        assert lookups.key_of(title, {}) == lookups.paper_key(title)
    assert lookups.key_of("Survey", {"Survey": "given"}) == "given"


async def _through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker: bool
                   ) -> tuple[dict[str, Any], int, int]:
    """The corpus ingested (by the parsing process or here); what is stored, and how many names and titles
    the database side keyed itself."""
    worked_out: list[str] = []
    folded: list[str] = []
    real, real_fold = rows.person_key, lookups.fold

    def counted(name: str) -> str:
        worked_out.append(name)
        return real(name)

    def folds(title: str) -> str:
        folded.append(title)
        return real_fold(title)

    lookups.paper_key.cache_clear()
    with monkeypatch.context() as m:
        m.setattr(rows, "person_key", counted)
        m.setattr(lookups, "fold", folds)
        m.setattr(rows, "fold", folds)
        if worker:
            m.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
            m.setattr(corpus.os, "cpu_count", lambda: 2)
        folder = tmp_path / ("worker" if worker else "here")
        write(folder / "corpus" / "bulk.jsonl", *_papers())
        url = f"sqlite+aiosqlite:///{folder / 'db.sqlite3'}"
        await ingest(url, folder / "corpus")
        return await stored(url), len(worked_out), len(folded)


async def test_the_database_side_takes_the_keys_the_parsing_process_gives(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    by_worker, keyed_here, folded_here = await _through(tmp_path, monkeypatch, worker=True)
    parsed_here, keyed_without, folded_without = await _through(tmp_path, monkeypatch, worker=False)
    assert by_worker == parsed_here
    assert keyed_without > 0 and keyed_here == 0
    assert folded_without >= 60 and folded_here == 0


def test_a_keyed_batch_crosses_the_pipe_as_it_was() -> None:
    """Pickled as columns (one list per field), it arrives equal: records, problems, keys and titles."""
    import pickle

    from store.ingest.records import Problem

    records = [PaperRecord(title="A", authors=["Ada Lovelace"], venue="arXiv", year=2024, topics=["cs.LG"],
                           summary="s", source="f", line=3, link="https://arxiv.org/abs/2401.00001",
                           arxiv_id="2401.00001", metadata_record=True),
               PaperRecord(title="B", summary="t", source="f", line=4, authors_incomplete=True, doi="10.1/x")]
    for batch in (keyed(Parsed(records, [Problem("f", 2, "line skipped")])), Keyed([], [Problem("f", 1, "m")])):
        again = pickle.loads(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
        assert isinstance(again, Keyed) and again.size() == batch.size()
        assert _fields(again) == _fields(batch)
    assert pickle.loads(pickle.dumps(keyed(Parsed(records, [])))).records[1].doi == "10.1/x"


def _fields(batch: Keyed) -> tuple[object, ...]:
    return batch.records, batch.problems, batch.people, batch.titles, batch.rows


@pytest.mark.parametrize("titles", [["A", "B", "C"], ["A", "", "C"], ["", "--", "!"], ["A", "A", "B"]])
def test_a_batch_with_rows_is_taken_in_without_its_records_until_they_are_asked_for(titles: list[str]) -> None:
    """With its rows, a batch crosses as `Packed`: its size is known and its rows are there at once, its records,
    people and titles unpickled only when asked for, equal to what was sent: records the rows leave out (no
    title key: "", "--") keep their own summaries, the others take the rows' own."""
    import pickle

    from store.ingest.stream import Packed

    records = [PaperRecord(title=t, authors=["Ada Lovelace", f"Alan Turing {i}"], summary=f"summary {i} " * 40,
                           source="f", line=i + 1, topics=["cs.LG"]) for i, t in enumerate(titles)]
    sent = keyed(Parsed(records, []))
    again = pickle.loads(pickle.dumps(sent, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(again) is Packed and again.size() == len(titles)
    assert again._packed is not None  # nothing unpickled yet
    # The summaries the rows hold were left out of the inner pickle (`rows.SUMMARIES` names their column).
    assert again._kept == [i for i, t in enumerate(titles) if sent.titles[t]]
    assert again.rows == sent.rows
    assert again._packed is not None
    assert again.records == records and again._packed is None
    assert again.people == sent.people and again.titles == sent.titles and again.problems == []
    # Pickled once more (as a test, or a process passing it on), it is the same batch again.
    assert _fields(pickle.loads(pickle.dumps(again))) == _fields(sent)


async def test_an_import_of_new_papers_never_unpickles_their_records(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Every batch of papers the database does not know is written from its rows: no record is unpickled. A
    second import of the same papers changed goes the plain way, and takes each batch's records."""
    from store.ingest.stream import Packed

    unpacked: list[int] = []
    real = Packed._unpack

    def counted(self: Packed) -> None:
        if self._packed is not None:
            unpacked.append(self.count)
        real(self)

    monkeypatch.setattr(Packed, "_unpack", counted)
    monkeypatch.setattr(corpus, "PROCESS_WORTHWHILE_BYTES", 0)
    monkeypatch.setattr(corpus.os, "cpu_count", lambda: 2)
    folder = tmp_path / "corpus"
    write(folder / "bulk.jsonl", *_papers())
    url = f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}"
    await ingest(url, folder)
    assert unpacked == []
    first = await stored(url)
    write(folder / "bulk.jsonl", *_papers(), paper("One More Paper", "2402.00001"))
    await ingest(url, folder)
    assert unpacked == [61]
    again = await stored(url)
    assert len(again["papers"]) == len(first["papers"]) + 1
