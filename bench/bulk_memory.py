"""Benchmark: peak memory of a bulk import, a ~200 MB arXiv JSON Lines file, valid and all broken.

    .venv/bin/python -m bench.bulk_memory [--mb 200] [--old DIR]

A bulk import must stream: its memory stays flat in the file's size, and problem lines beyond a cap
are counted, not kept. Each file is ingested through `Library.ingest` (the store's ingest path, no
search index built) into a fresh SQLite file, in a fresh process; that process reports its own peak
resident set and its parsing worker's (`ru_maxrss` of itself and of its children). The baseline is the
same process ingesting a 1 MB file of the same shape, measured in the same run, so the ratios say what
the file's size costs beyond importing the modules. `--old DIR` measures another copy of the code as
well (e.g. `git archive <rev> | tar -x -C DIR`), for the figure before a change.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

MB = 1_000_000
CATEGORIES = ["cs.LG", "cs.AI", "cs.CV", "cs.CL", "cs.NE", "stat.ML", "cs.RO", "cs.IR", "math.OC", "hep-ph"]

# Runs in the measured process with `store` imported from the code under test (this tree or --old's).
CHILD = """
import asyncio, json, resource, sys, time
from pathlib import Path

async def main(path: Path, db: Path) -> None:
    from store.library import Library
    library = Library(f"sqlite+aiosqlite:///{db}", path.parent)
    await library.start(ingest_if_empty=False)
    started = time.perf_counter()
    report = await library.ingest([path])
    seconds = time.perf_counter() - started
    await library.close()
    listed = report.to_json()
    print(json.dumps({
        "seconds": seconds, "papers": report.papers_total, "problems_listed": len(report.problems),
        "problems": listed.get("problem_count", len(report.problems)),
        "status": [f["status"] for f in listed["files"]],
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }))

asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))
"""


def _material(rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    """Words, first names and last names of the bundled seeds, for text shaped like the real thing."""
    from bench.corpus import seed_material

    vocab, _counts, title_words, firsts, lasts = seed_material()
    return [w for w in vocab if w.isascii()] + title_words, firsts, lasts


def _line(i: int, rng: random.Random, words: list[str], firsts: list[str], lasts: list[str]) -> str:
    """One arXiv metadata record, with the fields and sizes of the public dump (~1.3 kB)."""
    people = [(rng.choice(firsts), rng.choice(lasts)) for _ in range(rng.randint(1, 9))]
    title = " ".join(rng.choice(words) for _ in range(rng.randint(5, 14)))
    abstract = ". ".join(" ".join(rng.choice(words) for _ in range(rng.randint(10, 28)))
                         for _ in range(rng.randint(5, 9)))
    paper_id = f"{7 + i // 1_200_000:02d}{1 + i // 100_000 % 12:02d}.{i % 100_000:05d}"
    return json.dumps({
        "id": paper_id, "submitter": f"{people[0][0]} {people[0][1]}",
        "authors": ", ".join(f"{f} {last}" for f, last in people), "title": f"{title} {i}",
        "comments": f"{rng.randint(4, 40)} pages, {rng.randint(1, 12)} figures", "journal-ref": None,
        "doi": f"10.1103/PhysRevD.{rng.randint(1, 99)}.{i:06d}" if i % 3 == 0 else None, "report-no": None,
        "categories": " ".join(rng.sample(CATEGORIES, rng.randint(1, 3))), "license": None,
        "abstract": f"  {abstract}.\n", "versions": [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}],
        "update_date": "2008-11-13", "authors_parsed": [[last, first, ""] for first, last in people],
    })


def _broken(line: str, i: int, rng: random.Random) -> str:
    """A line that cannot be read: cut short (not JSON), without a title, or not an object."""
    if i % 10 == 0:
        return json.dumps({"id": f"broken.{i}", "abstract": line[: rng.randint(600, 1000)]})
    if i % 50 == 1:
        return json.dumps([line[:900]])
    return line[: int(len(line) * rng.uniform(0.6, 0.95))]


def generate(path: Path, size: int, *, broken: bool, seed: int = 22) -> int:
    """Write about `size` bytes of JSON Lines to `path`; returns the number of lines."""
    rng = random.Random(seed)
    words, firsts, lasts = _material(rng)
    written = lines = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        while written < size:
            line = _line(lines, rng, words, firsts, lasts)
            if broken:
                line = _broken(line, lines, rng)
            fh.write(line + "\n")
            written += len(line.encode("utf-8")) + 1
            lines += 1
    return lines


def measure(path: Path, code: Path, scratch: Path) -> dict[str, Any]:
    """Ingest `path` in a fresh process running the code at `code`, into a fresh SQLite file."""
    db = scratch / f"{path.stem}-{abs(hash(str(code)))}.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(code), "XDG_DATA_HOME": str(scratch / "xdg")}
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(db)], cwd=code, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"ingest of {path.name} with {code} failed:\n{done.stderr[-3000:]}")
    for suffix in ("", "-wal", "-shm", ".index"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.rmtree(f"{db}.index.parts", ignore_errors=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _row(label: str, size: int, r: dict[str, Any], base: dict[str, Any]) -> str:
    total = r["peak_mb"] + r["worker_peak_mb"]
    return (f"{label:<22}{size / MB:>8.1f}{r['papers']:>9,}{r['problems']:>10,}{r['problems_listed']:>8,}"
            f"{r['seconds']:>9.1f}{r['peak_mb']:>10.0f}{r['worker_peak_mb']:>9.0f}{total:>9.0f}"
            f"{total / base['peak_mb']:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=200.0, help="size of the large files, in MB (10^6 bytes)")
    parser.add_argument("--old", type=Path, help="another copy of the code to measure as well")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    codes = [("this tree", here)] + ([("old", args.old.resolve())] if args.old else [])
    with tempfile.TemporaryDirectory(prefix="bulk-memory-") as tmp:
        scratch = Path(tmp)
        files = {"baseline 1 MB": (scratch / "baseline" / "small.jsonl", MB, False),
                 "valid": (scratch / "valid" / "valid.jsonl", int(args.mb * MB), False),
                 "broken": (scratch / "broken" / "broken.jsonl", int(args.mb * MB), True)}
        for path, size, broken in files.values():
            generate(path, size, broken=broken)
        figures: dict[str, dict[str, Any]] = {}
        print(f"{'code / file':<22}{'MB':>8}{'papers':>9}{'problems':>10}{'listed':>8}{'seconds':>9}"
              f"{'peak MB':>10}{'worker':>9}{'sum':>9}{'÷ base':>8}")
        for name, code in codes:
            base = measure(files["baseline 1 MB"][0], code, scratch)
            figures[f"{name}: baseline 1 MB"] = base
            print(_row(f"{name}: baseline", files["baseline 1 MB"][0].stat().st_size, base, base), flush=True)
            for label in ("valid", "broken"):
                path = files[label][0]
                figures[f"{name}: {label}"] = result = measure(path, code, scratch)
                print(_row(f"{name}: {label}", path.stat().st_size, result, base), flush=True)
    print("peak MB: the ingesting process's peak resident set; worker: its parsing process's (files over 16 MiB);"
          " sum: both; ÷ base: the sum over the peak of the same code ingesting 1 MB (no worker)")
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
