"""Where a full build's time goes: each step's start and length, and the CPU of the building process and of the
layout processes it started, as a forced reload builds (`lib.live.refresh(rebuild=True)`, the build phase's).

    .venv/bin/python -m bench.build_steps FOLDER [--runs 3]

FOLDER is a prepared bench folder (`bench.run --phase prepare` made one). Each run is a fresh process, as the
build phase's. The steps: reading the database (the layout processes are fed meanwhile, from 20,000 papers), the
index's parts made in the building process (acronyms, people, topics), the wait for the layout processes'
matrices, the snapshot written and mapped. A build whose CPU seconds (both kinds, every process) are near twice
its wall time on two cores is bound by the work itself: it gets faster only by doing less. The page faults (pages
first touched, or touched again after they were handed back) are what much of the system time pays for.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.phases import library

ROOT = Path(__file__).resolve().parents[1]


def _timed(owner: Any, name: str, label: str, steps: list[tuple[str, float, float]], t0: float) -> None:
    """`owner.name` (a function, a coroutine function or a class's method) replaced by one that records
    (label, start, seconds) into `steps`."""
    f = getattr(owner, name)
    if asyncio.iscoroutinefunction(f):
        @functools.wraps(f)
        async def waited(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await f(*args, **kwargs)
            finally:
                steps.append((label, start - t0, time.perf_counter() - start))
        setattr(owner, name, waited)
        return

    @functools.wraps(f)
    def called(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            steps.append((label, start - t0, time.perf_counter() - start))
    # A class's classmethod, taken bound above, stays bound: set as a static one (an instance method gets self).
    bound = isinstance(owner, type) and isinstance(owner.__dict__.get(name), classmethod)
    setattr(owner, name, staticmethod(called) if bound else called)


def _steps(t0: float, steps: list[tuple[str, float, float]]) -> None:
    from store.search import index, live, snapshot
    from store.search.layout_process import LayoutProcess
    from store.search.people import People

    wrapped: list[tuple[Any, str, str]] = [
        (live, "read_catalog", "read the database"), (index, "learn", "acronyms"),
        (People, "from_bylines", "people"), (index, "_topic_papers", "topics"),
        (LayoutProcess, "finish", "wait for the layout processes"), (index.SearchIndex, "build", "index (whole)"),
        (snapshot, "save", "snapshot written"), (snapshot, "load", "snapshot mapped")]
    for owner, name, label in wrapped:
        _timed(owner, name, label, steps, t0)


async def one(folder: Path) -> dict[str, Any]:
    """One build, here: its steps (label, start s, seconds), its wall time, and the CPU seconds of this process and
    of the processes it started."""
    steps: list[tuple[str, float, float]] = []
    lib = library(folder)
    await lib.prepare()
    t0 = time.perf_counter()
    _steps(t0, steps)
    before = resource.getrusage(resource.RUSAGE_SELF)
    await lib.live.refresh(rebuild=True)
    wall = time.perf_counter() - t0
    own, helpers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    await lib.close()
    return {"wall_s": wall, "steps": sorted(steps, key=lambda s: s[1]),
            "cpu": {"building user": own.ru_utime - before.ru_utime, "building system": own.ru_stime - before.ru_stime,
                    "layout user": helpers.ru_utime, "layout system": helpers.ru_stime},
            "faults": {"building": own.ru_minflt - before.ru_minflt, "layout": helpers.ru_minflt}}


def report(runs: list[dict[str, Any]]) -> str:
    """Each step's median start and length over the runs, then the median wall and CPU seconds."""
    med: Callable[[list[float]], float] = statistics.median
    labels = list(dict.fromkeys(label for label, _, _ in runs[0]["steps"]))
    lines = ["| step | starts at s | takes s |", "|---|---:|---:|"]
    for label in labels:
        found = [[s for s in run["steps"] if s[0] == label] for run in runs]
        if all(found):
            lines.append(f"| {label} | {med([f[0][1] for f in found]):.2f} | {med([f[0][2] for f in found]):.2f} |")
    cpu = {k: med([run["cpu"][k] for run in runs]) for k in runs[0]["cpu"]}
    lines.append("")
    lines.append(f"wall {med([run['wall_s'] for run in runs]):.1f} s (runs: "
                 + ", ".join(f"{run['wall_s']:.1f}" for run in runs) + "); CPU s: "
                 + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()) + f"; all {sum(cpu.values()):.1f}")
    # Pages touched for the first time (or again, after they were handed back): what the kernel's system time pays.
    faults = {k: med([run["faults"][k] for run in runs]) for k in runs[0]["faults"]}
    lines.append("page faults: " + ", ".join(f"{k} {v:,.0f}" for k, v in faults.items()))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(one(args.folder))))
        return
    runs = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-m", "bench.build_steps", "--one", str(args.folder)], cwd=ROOT,
                             capture_output=True, text=True, check=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(report(runs))


if __name__ == "__main__":
    main()
