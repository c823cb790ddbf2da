"""`--debug` (before or after the command, like --db): DEBUG logs, and the traceback of an unexpected error;
without it, the admin gets one line and no traceback."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot import cli
from bot.config import Settings
from tests.cli import run


async def _broken(args: argparse.Namespace, settings: Settings) -> int:
    raise RuntimeError("a bug, not a mistake of the admin's")


@pytest.mark.parametrize("argv", [["--debug", "stats"], ["stats", "--debug"]])
def test_debug_lets_the_traceback_of_an_unexpected_error_through(
        argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(cli.COMMANDS, "stats", _broken)
    assert cli.main(argv) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: a bug, not a mistake" in err
    assert "in _broken" in err


def test_without_debug_an_unexpected_error_is_one_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(cli.COMMANDS, "stats", _broken)
    assert cli.main(["stats"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == ["paperbot: RuntimeError: a bug, not a mistake of the admin's (--debug shows where)"]


@pytest.mark.parametrize("argv", [["--debug", "check"], ["check", "--debug"]])
def test_debug_logs_at_debug(argv: list[str], tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("---\ntitle: Attention Is All You Need\nauthors: Ashish Vaswani\n---\nTransformers.\n",
                    encoding="utf-8")
    out = run(tmp_path, *argv, str(note))
    assert out.returncode == 0, out.stderr
    assert "DEBUG asyncio: Using selector" in out.stderr  # the event loop's own debug line
    quiet = run(tmp_path, "check", str(note))
    assert quiet.returncode == 0 and "DEBUG" not in quiet.stderr
