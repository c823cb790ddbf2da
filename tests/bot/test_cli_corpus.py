"""Whose corpus a database holds, through the real `paperbot` command in subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import run


def _jsonl(*items: tuple[str, str]) -> str:
    return "".join(json.dumps({"id": i, "title": t, "authors": "Ada Lovelace", "abstract": f"About {t}."}) + "\n"
                   for i, t in items)


def _titles(tmp_path: Path) -> list[str]:
    out = run(tmp_path, "papers", "--json")
    assert out.returncode == 0, out.stderr
    return sorted(p["title"] for p in json.loads(out.stdout))


def test_same_file_name_in_two_roots_keeps_both(tmp_path: Path) -> None:
    a, b = tmp_path / "A", tmp_path / "B"
    a.mkdir()
    b.mkdir()
    (a / "bulk-000.jsonl").write_text(_jsonl(("2001.00001", "Alpha Paper"), ("2001.00002", "Beta Paper")), "utf-8")
    (b / "bulk-000.jsonl").write_text(_jsonl(("2002.00001", "Gamma Paper")), "utf-8")
    first = run(tmp_path, "ingest", str(a), str(b), "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["papers"] == 3
    assert _titles(tmp_path) == ["Alpha Paper", "Beta Paper", "Gamma Paper"]
    for _ in range(2):  # stable across re-ingests: nothing changes, nothing is removed
        again = json.loads(run(tmp_path, "ingest", str(a), str(b), "--json").stdout)
        assert (again["added"], again["updated"], again["removed"], again["papers"]) == (0, 0, 0, 3)
    assert _titles(tmp_path) == ["Alpha Paper", "Beta Paper", "Gamma Paper"]
    # Ingesting one root prunes only inside it: B's file is kept.
    (a / "bulk-000.jsonl").unlink()
    pruned = json.loads(run(tmp_path, "ingest", str(a), "--json").stdout)
    assert pruned["removed"] == 2
    assert _titles(tmp_path) == ["Gamma Paper"]


def test_an_ingest_that_finds_nothing_keeps_the_seeds_out(tmp_path: Path) -> None:
    notes = tmp_path / "NOTES"
    notes.mkdir()
    (notes / "readme.md").write_text("# My notes\n\nNothing here yet.\n", "utf-8")
    out = run(tmp_path, "ingest", str(notes), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["papers"] == 0
    assert _titles(tmp_path) == []  # not the 94 bundled papers
    assert run(tmp_path, "paper", "lottery ticket", "--json").stdout.strip() == "[]"


def test_an_ingest_of_an_empty_folder_keeps_the_seeds_out(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert run(tmp_path, "ingest", str(tmp_path / "empty")).returncode == 0
    assert _titles(tmp_path) == []


def test_a_database_never_given_a_corpus_gets_the_seeds(tmp_path: Path) -> None:
    assert len(_titles(tmp_path)) == 94


def test_a_users_own_notes_are_not_mixed_with_the_seeds(tmp_path: Path) -> None:
    notes = tmp_path / "NOTES"
    notes.mkdir()
    (notes / "mine.bib").write_text("@article{k, title = {My Own Paper}, author = {Doe, Jane and others}}\n",
                                    "utf-8")
    assert run(tmp_path, "ingest", str(notes)).returncode == 0
    listed = json.loads(run(tmp_path, "papers", "--json").stdout)
    assert [(p["title"], p["authors"], p["authors_incomplete"], p["writer"]) for p in listed] == [
        ("My Own Paper", ["Jane Doe"], True, None)]
