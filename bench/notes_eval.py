"""Exact title and author accuracy of the reader on a folder of notes with an expected file.

    python -m bench.notes_eval [DIR]        (default: tests/data/notes)

DIR holds notes and `expected.json`: per file name, the exact list of papers the file names, each
with title, authors, authors_incomplete, writer, venue, year, topics and link. A paper is right when
a record of that file has its exact title and exact author list; a record with no such expected
paper is junk. Prints the counts, each miss and each junk record, and every field that differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from store.ingest import SUPPORTED_SUFFIXES, parse_file

FIELDS = ("title", "authors", "authors_incomplete", "writer", "venue", "year", "topics", "link")
DEFAULT = Path(__file__).resolve().parent.parent / "tests" / "data" / "notes"


def found(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """What the reader finds in every note of `folder`, in the expected file's shape."""
    out: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            name = path.relative_to(folder).as_posix()
            out[name] = [{k: getattr(r, k) for k in FIELDS} for r in parse_file(path, name).records]
    return out


def evaluate(folder: Path) -> dict[str, Any]:
    expected: dict[str, list[dict[str, Any]]] = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    got = found(folder)
    papers = right = junk = fields_right = fields_total = 0
    misses: list[str] = []
    junk_lines: list[str] = []
    field_diffs: list[str] = []
    for name in sorted(set(expected) | set(got)):
        want = expected.get(name, [])
        have = list(got.get(name, []))
        papers += len(want)
        for paper in want:
            match = next((r for r in have if r["title"] == paper["title"] and r["authors"] == paper["authors"]), None)
            if match is None:
                misses.append(f"{name}: {paper['title']!r} {paper['authors']}")
                continue
            right += 1
            have.remove(match)
            for key in FIELDS:
                fields_total += 1
                if match.get(key) == paper.get(key):
                    fields_right += 1
                else:
                    shown = f"{match.get(key)!r} != {paper.get(key)!r}"
                    field_diffs.append(f"{name}: {paper['title'][:50]!r} {key}: {shown}")
        junk += len(have)
        junk_lines.extend(f"{name}: {r['title']!r} {r['authors']}" for r in have)
    return {"files": len(set(expected) | set(got)), "papers": papers, "exact": right, "junk": junk,
            "fields_right": fields_right, "fields_total": fields_total, "misses": misses, "junk_records": junk_lines,
            "field_diffs": field_diffs}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--dump", action="store_true", help="print what the reader finds, as an expected file")
    args = parser.parse_args(argv)
    if args.dump:
        print(json.dumps(found(args.folder), indent=1, ensure_ascii=False))
        return 0
    result = evaluate(args.folder)
    share = 100 * result["exact"] / result["papers"] if result["papers"] else 100.0
    print(f"{result['files']} files, {result['papers']} papers expected: {result['exact']} with the exact title and "
          f"authors ({share:.1f}%), {result['junk']} junk record(s); other fields {result['fields_right']}/"
          f"{result['fields_total']} exact")
    for line in result["misses"]:
        print(f"  missed: {line}")
    for line in result["junk_records"]:
        print(f"  junk:   {line}")
    for line in result["field_diffs"]:
        print(f"  field:  {line}")
    return 0 if share == 100.0 and result["junk"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
