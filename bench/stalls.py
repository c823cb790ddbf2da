"""Where the event loop waits during a full rebuild: the loop re-arms a faulthandler watchdog every 10 ms while a
member asks /paper through the bot's path (as the serve phase's rebuild does); a loop late by more than `--late`
seconds makes the watchdog, a C thread that needs no interpreter lock, write every thread's stack at that moment
(and again every `--late` seconds while the loop stays late: a long stall leaves several). The stacks are then
grouped by the busy threads' innermost frames, most frequent first.

    .venv/bin/python -m bench.stalls FOLDER [--late 0.05] [--dump stalls.txt] [--warm]

`--warm` asks every command's queries first, as the serve phase does before its rebuild: the old index's pages
are then resident, and what letting go of them costs is seen too.

FOLDER is a prepared bench folder (`bench.run --phase prepare` made one). A stall seen here is a C call holding
the interpreter lock (split it: texts.SLICE), or the machine's other work: run it twice and read what repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import json
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TextIO

from bench.phases import COMMANDS, library
from bench.probes import LoopLag

_FRAME = re.compile(r'File "([^"]+)", line (\d+) in (\S+)')
_IDLE = ("selectors.py", "threading.py", "thread.py", "aiosqlite/core.py")  # a thread waiting, not working


def busy_frames(dump: str) -> Counter[str]:
    """Each watchdog dump in `dump` as the innermost frames of its busy threads (`file:line function`, joined)."""
    seen: Counter[str] = Counter()
    for stall in dump.split("Timeout (")[1:]:
        busy = []
        for thread in stall.split("\nThread ")[1:]:
            frames = _FRAME.findall(thread)
            if frames and not any(frames[0][0].endswith(idle) for idle in _IDLE):
                path, line, name = frames[0]
                busy.append(f"{Path(path).name}:{line} {name}")
        seen[" | ".join(busy) or "(every thread waiting: the machine's other work)"] += 1
    return seen


async def rebuild_watched(folder: Path, late: float, fh: TextIO, warm: bool = False) -> dict[str, float]:
    lib = library(folder)
    asked = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    queries = asked["paper"]
    await lib.start(ingest_if_empty=False)
    if warm:  # as the serve phase does: every command's queries first, so the index's pages are resident
        for cmd in COMMANDS:
            for q in asked[cmd]:
                getattr(lib.index, cmd)(q)
    done = asyncio.Event()

    async def watchdog() -> None:
        while not done.is_set():
            faulthandler.dump_traceback_later(late, repeat=True, file=fh)
            await asyncio.sleep(0.01)

    async def member() -> None:
        i = 0
        while not done.is_set():
            await lib.search.paper(queries[i % len(queries)])
            i += 1
            await asyncio.sleep(0.005)

    tasks = [asyncio.create_task(watchdog()), asyncio.create_task(member())]
    async with LoopLag() as lag:
        t = time.perf_counter()
        await lib.live.refresh(rebuild=True)
        seconds = time.perf_counter() - t
    done.set()
    await asyncio.gather(*tasks)
    faulthandler.cancel_dump_traceback_later()
    await lib.close()
    return {"rebuild_s": seconds, "loop_lag_max": lag.max_ms, "late_50ms": sum(x > 50 for x in lag.lags)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--late", type=float, default=0.05, help="seconds of lateness that make the watchdog dump")
    ap.add_argument("--dump", type=Path, help="keep the stacks here (else a temporary file)")
    ap.add_argument("--warm", action="store_true", help="ask every command's queries first, as bench.run's serve does")
    args = ap.parse_args()
    out = args.dump or Path(tempfile.mkstemp(suffix=".txt")[1])
    with out.open("w") as fh:
        figures = asyncio.run(rebuild_watched(args.folder, args.late, fh, args.warm))
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}))
    for frames, count in busy_frames(out.read_text()).most_common(30):
        print(f"{count:4d}  {frames}")


if __name__ == "__main__":
    main()
