"""`paperbot ingest` while another ingest holds the database: one line that says so, a non-zero exit, no
traceback and no raw `OperationalError`; the first ingest is not disturbed."""

from __future__ import annotations

from pathlib import Path

from tests.bot.ingesting import NOTES, ingest_writing
from tests.cli import run


def test_a_second_ingest_says_another_is_running(tmp_path: Path) -> None:
    with ingest_writing(tmp_path) as (first, _bulk):
        second = run(tmp_path, "ingest", str(tmp_path / "first"))
        assert first.poll() is None, "the first ingest ended before the second was refused"
        out, err = first.communicate(timeout=300)
    assert second.returncode == 1
    assert second.stderr.strip() == ("paperbot ingest: another ingest is running: nothing was read; "
                                     "try again when it has finished")
    assert "Traceback" not in second.stderr and "OperationalError" not in second.stderr
    assert first.returncode == 0, err
    assert out.startswith(f"{NOTES} papers: {NOTES} added"), out[:300]
