"""Ctrl-C or SIGTERM while `paperbot ingest` writes: one line saying it stops, the exit code of the signal, no
traceback, and none of the new papers in the database (the transaction rolled back); the same ingest run
again then completes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.bot.ingesting import NOTES, ingest_writing
from tests.cli import database as database_of
from tests.cli import run


def _papers(database: Path) -> int:
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT count(*) FROM papers").fetchone()[0])


def interrupted_ingest(tmp_path: Path, signum: int) -> tuple[subprocess.Popen[str], str, str, int, Path]:
    """`paperbot ingest BULK` on a database holding one paper, sent `signum` once its transaction has begun:
    (the process, its stdout, its stderr, the papers before, BULK). Also tests/bot/test_admin_mistakes.py's."""
    with ingest_writing(tmp_path) as (ingest, bulk):
        before = _papers(database_of(tmp_path))  # WAL: the committed papers, the ingest's not among them
        ingest.send_signal(signum)
        out, err = ingest.communicate(timeout=60)
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
