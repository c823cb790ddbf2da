"""The `paperbot` command as scripts and people use it: real subprocesses, a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import run


def test_paper_json_finds_the_lottery_ticket_paper_with_every_field(tmp_path: Path) -> None:
    out = run(tmp_path, "paper", "lottery ticket", "--json")
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert isinstance(hits, list) and hits
    top = hits[0]
    assert "Lottery Ticket Hypothesis" in top["title"]
    assert {"title", "authors", "venue", "year", "topics", "source", "summary", "score", "why"} <= set(top)
    assert top["authors"] == ["Jonathan Frankle", "Michael Carbin"]
    assert top["source"].startswith("003_") and top["score"] > 0 and "lottery" in top["why"].lower()


def test_author_text_output_and_default_data_folder(tmp_path: Path) -> None:
    env = {"DATABASE_URL": ""}  # the per-user default: $XDG_DATA_HOME/paperbot/paperbot.sqlite3
    out = run(tmp_path, "author", "Schulman", env=env)
    assert out.returncode == 0, out.stderr
    assert "Trust Region Policy Optimization" in out.stdout
    assert (tmp_path / "data" / "paperbot" / "paperbot.sqlite3").is_file()


def test_ingest_reports_json_and_problems_on_stderr(tmp_path: Path) -> None:
    corpus = tmp_path / "mine"
    corpus.mkdir()
    (corpus / "note.md").write_text("---\ntitle: Attention Is All You Need\nauthors: Ashish Vaswani; Noam "
                                    "Shazeer\nyear: 2017\n---\nTransformers.\n", encoding="utf-8")
    (corpus / "bad.txt").write_bytes(b"\x00\x00\x00")
    out = run(tmp_path, "ingest", str(corpus), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["added"] == 1 and report["papers"] == 1
    assert any(p["source"] == "bad.txt" for p in report["problems"])
    assert "bad.txt" in out.stderr
    listed = json.loads(run(tmp_path, "papers", "--json").stdout)
    assert [p["title"] for p in listed] == ["Attention Is All You Need"]


def test_errors_go_to_stderr_with_nonzero_exit(tmp_path: Path) -> None:
    out = run(tmp_path, "paper", "x", "--limit", "0")
    assert out.returncode != 0 and "--limit" in out.stderr and not out.stdout
    bad = run(tmp_path, "papers", env={"DIGEST_TIMEZONE": "Mars/Olympus"})
    assert bad.returncode != 0 and "DIGEST_TIMEZONE" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("command", [[], ["console"]])
def test_console_answers_slash_commands_like_discord(tmp_path: Path, command: list[str]) -> None:
    out = run(tmp_path, *command, stdin="/paper lottery ticket\n/author Bengio\n/help\n/nonsense\n/quit\n")
    assert out.returncode == 0, out.stderr
    assert "Lottery Ticket Hypothesis" in out.stdout
    assert "Show, Attend and Tell" in out.stdout
    assert "/paper" in out.stdout and "Unknown command /nonsense" in out.stdout
    if not command:  # no token: the run command falls back to the console and says how to connect
        assert "DISCORD_TOKEN" in out.stdout
