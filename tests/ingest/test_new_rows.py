"""A batch as new papers' rows (store.ingest.records.rows), worked out by the parsing process: the values
the plain path stores, whoever works them out. That the database then holds the plain path's very rows is
tests/ingest/test_fresh_batches.py's; here, the columns themselves."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from store.corpus.entries import ENTRY_COLUMNS, PAPER_COLUMNS, entry_values, paper_values
from store.corpus.lookups import paper_key
from store.db.models import IDS
from store.ingest.records import PaperRecord
from store.ingest.records.rows import KINDS, new_rows
from store.ingest.stream import keyed
from store.text.names import person_key

ADA, OORD = person_key("Ada Lovelace"), person_key("Aäron van den Oord")


def _records() -> list[PaperRecord]:
    return [
        PaperRecord(title="Sparse Attention", authors=["Ada Lovelace", "Lovelace, Ada", "Aäron van den Oord"],
                    venue="", year=1850, topics=["Machine Learning", "machine learning", "cs.LG"], summary="s1",
                    source="f", line=3, link="https://arxiv.org/abs/2401.00001", arxiv_id="2401.00001",
                    metadata_record=True),
        PaperRecord(title="Dense Attention – A Survey", authors=["Aäron van den Oord"], venue="NeurIPS", year=2021,
                    summary="s2", source="f", line=4, doi="10.5555/ABC", authors_incomplete=True,
                    writer="Grace Hopper"),
        PaperRecord(title="!!!", authors=["Nobody"], summary="s3", source="f", line=5),  # no title key: no paper
    ]


def test_the_rows_of_a_batch_are_the_plain_paths_values() -> None:
    records = _records()
    rows = new_rows(records)
    assert rows.keys == [paper_key("Sparse Attention"), paper_key("Dense Attention – A Survey")]
    assert rows.ids == [[("arxiv_id", "2401.00001")], [("doi", "10.5555/abc")]] and rows.distinct
    # Column by column, the very values entry_values and paper_values give each kept record.
    for at, (rec, key) in enumerate(zip(records[:2], rows.keys, strict=True)):
        assert [column[at] for column in rows.papers] == list(paper_values(rec, key))
        want = entry_values(rec, key)
        got = dict(zip(ENTRY_COLUMNS[2:], (column[at] for column in rows.entries), strict=True))
        assert {k: json.loads(v) if k in ("authors", "topics") else v for k, v in got.items()} == want
        assert got["authors"] == json.dumps(want["authors"]) and got["topics"] == json.dumps(want["topics"])
    assert ("key", "title", "venue", "year", "link", "authors_incomplete", *KINDS, "added_at") == PAPER_COLUMNS
    assert KINDS == IDS
    # A person once a paper, where first named; no row for a record without a paper.
    assert rows.authorships == [[0, 0, 1], [ADA, OORD, OORD], [0, 2, 0],
                                ["Ada Lovelace", "Aäron van den Oord", "Aäron van den Oord"]]
    assert rows.people == {ADA: ["Ada Lovelace"], OORD: ["Aäron van den Oord", "Aäron van den Oord"]}
    assert rows.labels == [[0, 0], ["machine learning", "cs lg"]]
    assert rows.topics == {"machine learning": ["Machine Learning"], "cs lg": ["cs.LG"]}


def test_two_records_of_one_paper_are_not_distinct() -> None:
    a, b, _ = _records()
    assert not new_rows([a, PaperRecord(title="Sparse  attention!", source="f", line=9)]).distinct  # one key
    assert not new_rows([b, PaperRecord(title="Other", doi="10.5555/abc", source="f", line=9)]).distinct  # one DOI
    assert new_rows([a, b]).distinct
    assert new_rows([]).keys == [] and new_rows([]).papers == [[]] * (5 + len(KINDS))


_names = st.sampled_from(["Ada Lovelace", "Lovelace, Ada", "A. Lovelace", "Quoc V. Le", "Quoc Le", "", "et al.",
                          "Aäron van den Oord", "x" * 400, "Anonymous", "O'Neil, Cathy", "同 名"])
_titles = st.sampled_from(["Sparse Attention", "sparse attention", "!!!", "Ärger – über", "T" * 1100, "A|B",
                           "Deep Learning", "deep-learning"])
_record = st.builds(PaperRecord, title=_titles, authors=st.lists(_names, max_size=6),
                    topics=st.lists(st.sampled_from(["ML", "ml", "cs.LG", "", "Vision"]), max_size=4),
                    year=st.none() | st.integers(1800, 2300), venue=st.none() | st.sampled_from(["", "ICML"]),
                    arxiv_id=st.none() | st.sampled_from(["2401.00001", "2401.00002"]),
                    doi=st.none() | st.sampled_from(["10.1/A", "10.1/a"]), summary=st.text(max_size=5))


@settings(max_examples=200, deadline=None)
@given(st.lists(_record, max_size=6))
def test_the_parsing_process_works_out_what_the_database_side_would(records: list[PaperRecord]) -> None:
    """What `keyed` sends is what the database side works out on its own, and the columns hold together:
    one value per paper in each, every authorship and label naming a paper of the batch under a key."""
    sent = keyed(_batch(records)).rows
    here = new_rows(records)
    assert sent == here
    n = len(here.keys)
    assert all(len(column) == n for column in (*here.papers, *here.entries, here.ids))
    papers, keys, places, names = here.authorships
    assert all(0 <= p < n for p in papers + here.labels[0]) and all(keys) and all(here.labels[1])
    assert all(len(name) <= 300 and len(key) <= 300 for name, key in zip(names, keys, strict=True))
    assert len(set(zip(papers, keys, strict=True))) == len(papers)  # a person once a paper
    assert sorted(k for k, v in here.people.items() for _ in v) == sorted(keys)
    kept = [rec for rec in records if paper_key(rec.title)]
    for p, key, place in zip(papers, keys, places, strict=True):
        assert person_key(kept[p].authors[place])[:300] == key  # nobody invented: a name the paper gives
    assert here.distinct == (len(set(here.keys)) == n and len({i for own in here.ids for i in own})
                             == sum(map(len, here.ids)))


def _batch(records: list[PaperRecord]):  # type: ignore[no-untyped-def]
    from store.ingest.records import Parsed

    return Parsed(list(records), [])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_names, max_size=6), max_size=8), st.sets(_names))
def test_authorships_are_each_paper_s_person_places_in_order(authors: list[list[str]], keyed_before: set[str]) -> None:
    """The batch's authorship columns are `person_places` of each paper in turn (a person once a paper, where
    first named; no one for a name without a key), whether the caller keyed a name already or not."""
    from store.ingest.records.rows import _authorships, person_places

    records = [PaperRecord(title=f"T{i}", authors=names, source="f", line=i + 1) for i, names in enumerate(authors)]
    given_keys = {name: person_key(name) for name in keyed_before}
    people: dict[str, list[str]] = {}
    got = _authorships(records, given_keys, people)
    want: list[list[object]] = [[], [], [], []]
    written: dict[str, list[str]] = {}  # the names as written, not clipped (`upsert_named` clips the one kept)
    keys: dict[str, str] = {}
    for at, rec in enumerate(records):
        for key, place, name in person_places(rec.authors, keys):
            for column, value in zip(want, (at, key, place, name[:300]), strict=True):
                column.append(value)
            written.setdefault(key, []).append(name)
    assert got == want
    assert people == written
