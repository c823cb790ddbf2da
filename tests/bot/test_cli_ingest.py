"""`paperbot ingest` writes the corpus and builds no search index: an ingest answers no query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import cli
from store.search import snapshot
from store.search.index import SearchIndex
from store.search.live import LiveIndex
from tests.cli import database, run


def _notes(tmp_path: Path) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "note.md").write_text("---\ntitle: Attention Is All You Need\nauthors: Ashish Vaswani\n---\n"
                                    "Transformers.\n", encoding="utf-8")
    return folder


def test_an_ingest_writes_no_index_snapshot(tmp_path: Path) -> None:
    out = run(tmp_path, "ingest", str(_notes(tmp_path)), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["papers"] == 1
    assert database(tmp_path).is_file()
    assert not database(tmp_path).with_suffix(".sqlite3.index").exists()  # a start would have saved its index
    listed = run(tmp_path, "papers", "--json")  # the next start builds the index of the corpus as it now is
    assert [p["title"] for p in json.loads(listed.stdout)] == ["Attention Is All You Need"]
    assert database(tmp_path).with_suffix(".sqlite3.index").exists()


def test_an_ingest_neither_loads_nor_builds_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    def refused(*_a: object, **_k: object) -> None:
        raise AssertionError("an ingest touched the search index")

    for owner, name in ((SearchIndex, "build"), (LiveIndex, "refresh"), (snapshot, "load"), (snapshot, "save")):
        monkeypatch.setattr(owner, name, refused)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'in-process.sqlite3'}")
    assert cli.main(["ingest", str(_notes(tmp_path)), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 1
