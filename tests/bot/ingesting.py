"""A `paperbot ingest` caught in the middle of its transaction, for the tests of what happens then (another
ingest, a signal): a database holding one paper, then a bulk ingest of `NOTES` notes, returned once it holds
SQLite's write lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.cli import database as database_of
from tests.cli import run
from tests.corpora import note
from tests.sqlite_lock import write_lock_held

NOTES = 2_000  # enough that the ingest is still writing when the test acts


def notes(folder: Path, count: int, tag: str) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"{tag}{i:05d}.md").write_text(
            note(f"{tag.title()} study {i} of wombat warm-up schedules", "Ada Lovelace, Alan Turing",
                 f"https://arxiv.org/abs/2103.{i:05d}", f"Summary {i}."), encoding="utf-8")
    return folder


@contextmanager
def ingest_writing(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """(the ingest process, its BULK folder), once its transaction has begun on the CLI's default database
    (which already holds one paper, from tmp_path/first); killed on the way out if still running."""
    database = database_of(tmp_path)
    assert run(tmp_path, "ingest", str(notes(tmp_path / "first", 1, "seed"))).returncode == 0  # the schema made
    bulk = notes(tmp_path / "bulk", NOTES, "bulk")
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"DATABASE_URL": f"sqlite+aiosqlite:///{database}", "HOME": str(tmp_path),
                    "XDG_DATA_HOME": str(tmp_path / "data")})
    ingest = subprocess.Popen([sys.executable, "-m", "bot", "ingest", str(bulk)], cwd=tmp_path, env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not write_lock_held(database):
            assert ingest.poll() is None and time.monotonic() < deadline, "the ingest never started writing"
            time.sleep(0.02)
        yield ingest, bulk
    finally:
        if ingest.poll() is None:
            ingest.kill()
            ingest.wait()
