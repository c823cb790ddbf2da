"""`paperbot ingest` while another ingest holds the database: one line that says so, a non-zero exit, no
traceback and no raw `OperationalError`; the first ingest is not disturbed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.cli import database as database_of
from tests.cli import run
from tests.corpora import note
from tests.sqlite_lock import write_lock_held

NOTES = 2_000  # enough that the first ingest is still writing when the second starts


def _notes(folder: Path, count: int, tag: str) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"{tag}{i:05d}.md").write_text(
            note(f"{tag.title()} study {i} of wombat warm-up schedules", "Ada Lovelace, Alan Turing",
                 f"https://arxiv.org/abs/2103.{i:05d}", f"Summary {i}."), encoding="utf-8")
    return folder


def test_a_second_ingest_says_another_is_running(tmp_path: Path) -> None:
    database = database_of(tmp_path)
    assert run(tmp_path, "ingest", str(_notes(tmp_path / "first", 1, "seed"))).returncode == 0  # the schema made
    bulk = _notes(tmp_path / "bulk", NOTES, "bulk")
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "HOME": str(tmp_path),
                    "XDG_DATA_HOME": str(tmp_path / "data")})
    first = subprocess.Popen([sys.executable, "-m", "bot", "ingest", str(bulk)], cwd=tmp_path, env=environ,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not write_lock_held(database):  # the first ingest's transaction has begun
            assert first.poll() is None and time.monotonic() < deadline, "the first ingest never started writing"
            time.sleep(0.02)
        second = run(tmp_path, "ingest", str(tmp_path / "first"))
        assert first.poll() is None, "the first ingest ended before the second was refused"
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert second.returncode == 1
    assert second.stderr.strip() == ("paperbot ingest: another ingest is running: nothing was read; "
                                     "try again when it has finished")
    assert "Traceback" not in second.stderr and "OperationalError" not in second.stderr
    assert first.returncode == 0, err
    assert out.startswith(f"{NOTES} papers: {NOTES} added"), out[:300]
