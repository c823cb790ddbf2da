"""The benchmark at 300 papers: every phase runs, the table has its shape, and Tantivy answers the same task.

No timing is asserted (the machines are shared): the figures must exist and be numbers, the goals table
must carry a pass/fail mark for each goal at each size, and a title typed into /paper and into the
Tantivy baseline must find its paper in both top tens.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

from bench import build_steps, phases
from bench.run import measure
from bench.table import GOALS, render
from bench.tantivy_baseline import TantivyBaseline

N = 300


def test_every_phase_runs_and_the_table_has_its_shape(tmp_path: Path) -> None:
    row = measure(N, queries=5, baseline_queries=5, side_queries=10, builds=1, where=tmp_path)
    json.dumps(row)  # what --out writes
    for key in ("ingest_per_s", "build_s", "startup_s", "rss_mb", "rebuild_peak_mb", "reload_s", "change_ingest_s",
                "tantivy_build_s", "ingest_loop_lag_max", "reload_loop_lag_max", "rebuild_loop_lag_max",
                "helpers_peak_mb"):
        assert isinstance(row[key], float) and math.isfinite(row[key]) and row[key] >= 0, key
    for cmd in phases.SIDE_BY_SIDE:
        assert len(row[f"bot_{cmd}"]) == len(row[f"tantivy_{cmd}"]) == 3  # p50, p95, p99
    assert {"rank_bm25", "bm25s", "plain"} <= row.keys()
    assert row["reload_updated"] == row["reload_found"] == phases.CHANGED  # the reload took every changed paper
    assert row["rebuild_failures"] == 0  # the corpus did not change: every answer equals the one before
    assert 0 < row["tantivy_overlap_at_10"] <= 1

    text = render([row, {**row, "n": 10 * N}])
    goals = text.split("\n\n")[0].splitlines()
    assert goals[0] == f"| measure | goal (issue 27) | {N:,} | pass | {10 * N:,} | pass |"
    assert len(goals) == 2 + len(GOALS)
    for line in goals[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert len(cells) == 6 and cells[3] in ("✓", "✗") and cells[5] in ("✓", "✗"), line
    assert "Short of the goal:" in text and "| /ask |" in text

    stopped = {k: v for k, v in row.items() if not k.startswith(("bot_", "tantivy_"))}  # no baselines yet
    assert "not measured | —" in render([row, stopped])


async def test_tantivy_and_the_bot_find_a_paper_by_its_title(tmp_path: Path) -> None:
    await phases.prepare(N, tmp_path, 10)
    lib = phases.library(tmp_path)
    await lib.start()
    try:
        views = await lib.papers()
        tantivy, _seconds = TantivyBaseline.build(views, tmp_path / "tantivy")
        for view in views[::97]:
            assert view.id in [h.paper.id for h in (await lib.search.paper(view.title)).hits], view.title
            assert view.id in tantivy.search(view.title), view.title
    finally:
        await lib.close()


async def test_the_ingest_floor_times_each_statement_and_writes_the_same_rows_again(tmp_path: Path) -> None:
    """bench.ingest_floor: SQLite's time during a real ingest, by statement; then the floor, the very rows that
    ingest stored written again into an empty database (no timing asserted: only that both are what they say)."""
    import sqlite3

    from bench import ingest_floor
    from bench.corpus import generate

    generate(N, tmp_path / "corpus")
    wall, behind, spent = await ingest_floor.timed_ingest(tmp_path)
    assert wall > 0 and behind >= 0 and sum(s for _, s in spent.values()) > 0
    for table in ("papers", "entries", "authorships", "paper_topics"):
        assert spent[f"INSERT INTO {table}"][0] >= 1, sorted(spent)
    assert spent["commit"][0] >= 1
    assert spent["PRAGMA wal_checkpoint(PASSIVE)"][0] >= 1  # behind the ingest (and any other bulk work), on its own
    inserts, commit = ingest_floor.floor(tmp_path / "bench.sqlite3", tmp_path / "floor.sqlite3", 2_000)
    assert inserts > 0 and commit > 0
    source, again = sqlite3.connect(tmp_path / "bench.sqlite3"), sqlite3.connect(tmp_path / "floor.sqlite3")
    for table in ("papers", "entries", "people", "topics", "authorships", "paper_topics", "documents"):
        rows = source.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        assert rows and rows == again.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall(), table
    assert len(source.execute("SELECT id FROM papers").fetchall()) == N


async def test_the_build_steps_are_timed_in_order_in_a_fresh_process(tmp_path: Path) -> None:
    """bench.build_steps: a forced rebuild of a prepared folder, timed step by step in a process of its own (the
    steps are wrapped there, never in this one); each step within the build, the read before the index."""
    await phases.prepare(N, tmp_path, 10)
    out = subprocess.run([sys.executable, "-m", "bench.build_steps", str(tmp_path), "--runs", "2"],
                         cwd=build_steps.ROOT, capture_output=True, text=True, check=True).stdout
    rows = {m[1]: (float(m[2]), float(m[3])) for m in re.finditer(r"^\| ([^|]+) \| ([\d.]+) \| ([\d.]+) \|$", out,
                                                                  re.MULTILINE)}
    assert {"read the database", "index (whole)", "acronyms", "people", "topics", "snapshot written"} <= rows.keys()
    assert "wait for the layout processes" not in rows  # 300 papers are laid out in the building process
    wall = float(re.search(r"^wall ([\d.]+) s \(runs: ([\d.]+), ([\d.]+)\)", out, re.MULTILINE)[1])  # type: ignore[index]
    read, whole = rows["read the database"], rows["index (whole)"]
    assert read[0] + read[1] <= whole[0] + 0.01  # medians of two runs: within a rounding of each other
    for start, seconds in rows.values():
        assert start >= 0 and seconds >= 0 and start + seconds <= wall + 0.05
    cpu = dict(re.findall(r"(building user|building system|layout user|layout system) ([\d.]+)", out))
    assert len(cpu) == 4 and float(cpu["building user"]) > 0
    assert float(cpu["layout user"]) == 0  # no layout process started
    faults = dict(re.findall(r"(building|layout) ([\d,]+)", out.split("page faults:")[1]))
    assert int(faults["building"].replace(",", "")) > 0 and faults["layout"] == "0"
