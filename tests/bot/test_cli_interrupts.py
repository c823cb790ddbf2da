"""Ctrl-C or SIGTERM while `paperbot ingest` writes: one line saying it stops, the exit code of the signal, no
traceback, and none of the new papers in the database (the transaction rolled back); the same ingest run
again then completes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bot.test_cli_ingest_busy import _notes
from tests.cli import database as database_of
from tests.cli import run
from tests.sqlite_lock import write_lock_held

NOTES = 2_000  # enough that the ingest is still writing when the signal comes


def _papers(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])


def interrupted_ingest(tmp_path: Path, signum: int) -> tuple[subprocess.Popen[str], str, str, int, Path]:
    """`paperbot ingest BULK` on a database holding one paper, sent `signum` once its transaction has begun:
    (the process, its stdout, its stderr, the papers before, BULK). Also tests/bot/test_admin_mistakes.py's."""
    database = database_of(tmp_path)
    assert run(tmp_path, "ingest", str(_notes(tmp_path / "first", 1, "seed"))).returncode == 0  # the schema made
    before = _papers(database)
    bulk = _notes(tmp_path / "bulk", NOTES, "bulk")
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "HOME": str(tmp_path),
                    "XDG_DATA_HOME": str(tmp_path / "data")})
    ingest = subprocess.Popen([sys.executable, "-m", "bot", "ingest", str(bulk)], cwd=tmp_path, env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not write_lock_held(database):  # the ingest's transaction has begun
            assert ingest.poll() is None and time.monotonic() < deadline, "the ingest never started writing"
            time.sleep(0.02)
        ingest.send_signal(signum)
        out, err = ingest.communicate(timeout=60)
    finally:
        if ingest.poll() is None:
            ingest.kill()
            ingest.wait()
    return ingest, out, err, before, bulk


@pytest.mark.parametrize(("signum", "code", "named"), [(signal.SIGINT, 130, "Ctrl-C"),
                                                       (signal.SIGTERM, 143, "SIGTERM")])
def test_a_signal_stops_an_ingest_and_rolls_it_back(tmp_path: Path, signum: int, code: int, named: str) -> None:
    ingest, out, err, before, bulk = interrupted_ingest(tmp_path, signum)
    database = database_of(tmp_path)
    assert ingest.returncode == code, err
    assert err.strip().splitlines() == [
        f"paperbot: stopping ({named}): what was not committed is rolled back; {named} again to force"], err
    assert "Traceback" not in err + out
    assert _papers(database) == before  # none of the bulk papers: the transaction rolled back
    again = run(tmp_path, "ingest", str(bulk))
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"{NOTES} papers: {NOTES} added"), again.stdout[:300]
