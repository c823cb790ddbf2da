"""Benchmark: the bot at N papers against Tantivy, bm25s and rank-bm25, and issue 27's goals, in one run.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python -m bench.run --sizes 10000,100000 --out /tmp/b.md

Each phase (bench.phases) runs in a fresh process, so start-up and memory are what a restarted bot would
see: prepare (generate, ingest, save the index), build (a full build from the database, `--builds` times,
each in a fresh process, the median reported: 3, or none from 500,000 papers, where prepare's own build is
reported), serve (start-up, memory, every command, a full rebuild and a small /reload under queries),
baselines (Tantivy, bm25s, rank-bm25 beside the bot's /paper, /topic and /ask). bench.table renders the
goals table with a pass/fail column, then the figures behind it; `--out` writes the tables (Markdown) and
every figure (the same name, .json).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import phases
from bench.table import render

ROOT = Path(__file__).resolve().parents[1]
BUILDS = 3
NO_BUILD_FROM = 500_000  # papers: a full build takes minutes; prepare's own build is reported instead


def phase(name: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--phase", name, *args], capture_output=True, text=True,
                          cwd=ROOT)
    if proc.returncode:
        sys.exit(f"phase {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(n: int, queries: int, baseline_queries: int, side_queries: int, builds: int,
            where: Path | None = None, progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Every phase at N papers, in a temporary folder (under `where` if given); one row of figures.
    `progress` is given the row after each phase: a run stopped halfway keeps what it measured."""
    res: dict[str, Any] = {"n": n, "phase_s": {}}

    def run(name: str, *args: str) -> dict[str, Any]:
        t = time.perf_counter()
        out = phase(name, *args)
        res["phase_s"][name] = res["phase_s"].get(name, 0.0) + time.perf_counter() - t
        return out

    with tempfile.TemporaryDirectory(dir=where) as tmp:
        res.update(run("prepare", tmp, str(n), str(queries * phases.ROUNDS)))
        # Each build in a fresh process (nothing cached from the ones before), the median reported; with no
        # builds asked for, the one prepare made (a fresh process too, after its ingest).
        runs = sorted((run("build", tmp) for _ in range(builds)), key=lambda b: b["build_s"])
        runs = runs or [{"build_s": res["prepare_build_s"]}]
        res.update(runs[len(runs) // 2])
        res["build_s_range"] = [runs[0]["build_s"], runs[-1]["build_s"]]
        for name, args in (("serve", ()), ("baselines", (str(baseline_queries), str(side_queries)))):
            if progress:
                progress(res)
            res.update(run(name, tmp, *args))
    return res


def run_phase(name: str, folder: str, rest: list[str]) -> dict[str, Any]:
    path = Path(folder)
    runs = {"prepare": lambda: phases.prepare(int(rest[0]), path, int(rest[1])),
            "build": lambda: phases.build(path), "serve": lambda: phases.serve(path),
            "baselines": lambda: phases.baselines(path, int(rest[0]), int(rest[1]))}
    return asyncio.run(runs[name]())


def write(rows: list[dict[str, Any]], text: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=200, help="distinct queries per command in each of the rounds")
    ap.add_argument("--baseline-queries", type=int, default=30, help="queries for bm25s, rank-bm25, the plain matrix")
    ap.add_argument("--side-queries", type=int, default=500, help="queries per command, bot and Tantivy alternately")
    ap.add_argument("--builds", type=int, help=f"full builds per size ({BUILDS}; from {NO_BUILD_FROM:,} papers none: "
                    "prepare's own build is reported)")
    ap.add_argument("--out", type=Path, help="write the tables here, and every figure beside them (.json)")
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        name, folder, *rest = args.phase
        print(json.dumps(run_phase(name, folder, rest)))
        return
    rows: list[dict[str, Any]] = []

    def progress(row: dict[str, Any]) -> None:  # what a run stopped halfway has measured (.partial.json)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            partial = args.out.with_suffix(".partial.json")
            partial.write_text(json.dumps([*rows, row], indent=1) + "\n", encoding="utf-8")

    for n in (int(x) for x in args.sizes.split(",")):
        builds = args.builds if args.builds is not None else 0 if n >= NO_BUILD_FROM else BUILDS
        rows.append(measure(n, args.queries, args.baseline_queries, args.side_queries, builds, progress=progress))
        print(f"N={n:,} done", file=sys.stderr)
        if args.out:  # a long run keeps what it has measured so far
            write(rows, render(rows), args.out)
    text = render(rows)
    print(text)
    if args.out:
        write(rows, text, args.out)


if __name__ == "__main__":
    main()
