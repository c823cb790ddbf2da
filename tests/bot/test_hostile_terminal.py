"""The real `paperbot` command on the hostile corpus (tests/bot/hostile.py): no control character printed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bot.hostile import hostile_corpus, printable, read_by_the_reader, stored, terminal_safe, write_corpus
from tests.cli import run

# --- the terminal: the real `paperbot` command on the same hostile corpus ---


def test_ingest_check_and_paper_print_no_control_character(database_url: str, tmp_path: Path) -> None:
    """`paperbot ingest --corpus DIR`, `paperbot check DIR` and `paperbot paper QUERY`, as subprocesses on
    the hostile corpus and a real database: stdout and stderr hold no control character (newline and tab
    aside) and no escape sequence, and still say what was read, file by file and title by title."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files, _links = hostile_corpus()
    write_corpus(corpus, files)
    read = read_by_the_reader(files)
    env = {"DATABASE_URL": database_url}
    ingest = run(tmp_path, "ingest", "--corpus", str(corpus), env=env)
    check = run(tmp_path, "check", str(corpus), env=env)
    found = run(tmp_path, "paper", "networks", "--corpus", str(corpus), "--limit", "50", env=env)
    nothing = run(tmp_path, "paper", "\x1b]2;pwned\x07zzqx \x9bK", "--corpus", str(corpus), env=env)
    as_json = run(tmp_path, "paper", "networks", "--corpus", str(corpus), "--limit", "50", "--json", env=env)
    for out in (ingest, check, found, nothing, as_json):
        assert out.returncode == 0, out.stderr
        for text in (out.stdout, out.stderr):
            assert terminal_safe(text) and "\x1b" not in text and "\x9b" not in text, text
    for f in files:  # each file by the plain end of its name ("… 07.md"), whatever its hostile start became
        tail, records = f" {f.filename.rsplit(' ', 1)[1]}", read[f.filename]
        status = f"new, {len(records)} papers (+{len(records)} added" if records else "failed, 0 papers"
        assert f"{tail}: {status}" in ingest.stdout
        for r in records:
            assert f"{tail}:{r.line}: {r.title.split()[0]} " in check.stdout
            if "\x1b" not in r.title and "\x9b" not in r.title:  # as written, controls aside
                assert f"{tail}:{r.line}: {printable(r.title)}\n" in check.stdout
                assert f". {printable(r.title)}\n" in found.stdout
    assert found.stdout.count("\n   source: ") == sum(map(len, read.values())) >= 30
    assert nothing.stdout == "No paper matches “zzqx ”.\n"
    titles = [hit["title"] for hit in json.loads(as_json.stdout)]  # --json: the data as stored, controls escaped
    assert sorted(titles) == sorted(stored(r.title) for records in read.values() for r in records)
