"""How fast notes are read: every .md/.txt/.org file under the folders given, parsed in memory, several passes.

Reading is the CPU part of an ingest of members' notes (competing readings, the citation tagger): this
prints files, papers, and milliseconds per file (median pass), so two trees can be compared in the same
run (`/path/to/other/.venv/bin/python bench/notes_speed.py DIR...` times the other tree's reader on the
same files, as the script imports only `store`).

    python -m bench.notes_speed seeds tests/data
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from store.ingest import parse_text

SUFFIXES = {".md", ".txt", ".org", ".markdown"}


def files_under(folders: list[Path]) -> list[Path]:
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--passes", type=int, default=7)
    args = parser.parse_args(argv)
    texts = [(p.read_text(encoding="utf-8", errors="replace"), p.name, p.suffix) for p in files_under(args.folders)]
    papers = sum(len(parse_text(text, name, suffix).records) for text, name, suffix in texts)  # also warms up
    times = []
    for _ in range(args.passes):
        start = time.perf_counter()
        for text, name, suffix in texts:
            parse_text(text, name, suffix)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"{len(texts)} files, {papers} papers: {median * 1000:.0f} ms per pass (median of {args.passes}), "
          f"{median * 1000 / max(1, len(texts)):.2f} ms per file")


if __name__ == "__main__":
    main()
