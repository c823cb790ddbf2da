"""The formatted-citation reader judged by citeproc-py (issue 24): exact title and author list per CSL style.

    python -m bench.citations_eval [--styles a,b] [--limit N] [--misses K]

Every paper of `bench.citations.all_items()` (hand-written, the seeds' papers, the arXiv sample) is rendered
by citeproc-py in each style of `bench.citations.TUNE` and `HELD_OUT`, then given to the reader
(`store.ingest.parse_text(text, "list.md")`) twice: (a) each citation alone as a one-line note, (b) all of a
style's citations as one reading list, a line each, blank lines between. Per style and mode:

- found: some record's folded title equals the expected title's (`store.text.folding.fold`);
- title: a record's title equals the expected title exactly (the string the citation prints);
- authors: that record's author list, each name folded, equals the expected list folded, in order and count.
  `fold` takes case, accents and punctuation off, so "K. He" = "K He" (a Vancouver "He K" read as a name),
  and nothing else: initials must be the citation's initials, "Kaiming He" != "K. He";
- junk: records whose folded title is no expected paper's; invented: authors of found records who are not
  in the expected list (folded).
Renderings citeproc-py's own cuts do not agree with (`Rendered.agrees`) are left out and counted.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence

from bench.citations import HELD_OUT, TUNE, Rendered, all_items
from bench.citations.render import renderer
from store.ingest import parse_text
from store.ingest.records import PaperRecord
from store.text.folding import fold

COLUMNS = ("papers", "found", "title", "authors", "exact", "junk", "invented")


def _score(expected: Sequence[Rendered], records: Sequence[PaperRecord], counts: Counter[str],
           misses: list[str]) -> None:
    by_title: dict[str, list[PaperRecord]] = {}
    for rec in records:
        by_title.setdefault(fold(rec.title), []).append(rec)
    wanted = {fold(r.title) for r in expected}
    counts["junk"] += sum(len(recs) for key, recs in by_title.items() if key not in wanted)
    for r in expected:
        counts["papers"] += 1
        candidates = by_title.get(fold(r.title), [])
        if not candidates:
            misses.append(f"not found: {r.text}")
            continue
        counts["found"] += 1
        names = [fold(a) for a in r.authors]
        title_ok = any(c.title == r.title for c in candidates)
        authors_ok = any([fold(a) for a in c.authors] == names for c in candidates)
        both = any(c.title == r.title and [fold(a) for a in c.authors] == names for c in candidates)
        counts["title"] += title_ok
        counts["authors"] += authors_ok
        counts["exact"] += both
        best = candidates[0]
        counts["invented"] += sum(fold(a) not in names for a in best.authors)
        if not both:
            misses.append(f"{best.title!r} {best.authors} != {r.title!r} {list(r.authors)}\n      {r.text}")


def evaluate(style: str, items: Sequence[dict], show: int = 0) -> dict[str, Counter[str]]:
    rendered = [renderer(style).render(item) for item in items]
    kept = [r for r in rendered if r.agrees]
    out: dict[str, Counter[str]] = {"line": Counter(), "list": Counter()}
    misses: list[str] = []
    for r in kept:
        _score([r], parse_text(r.text, "list.md").records, out["line"], misses)
    list_misses: list[str] = []
    _score(kept, parse_text("\n\n".join(r.text for r in kept), "list.md").records, out["list"], list_misses)
    out["line"]["disagree"] = out["list"]["disagree"] = len(rendered) - len(kept)
    for line in misses[:show]:
        print(f"  {style} (line): {line}")
    return out


def _row(name: str, c: Counter[str]) -> str:
    n = c["papers"] or 1
    cells = [str(c["papers"]), *(f"{c[k]} ({100 * c[k] / n:.0f}%)" for k in COLUMNS[1:5]), str(c["junk"]),
             str(c["invented"])]
    return f"| {name} | " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--styles", help="comma-separated style names (default: TUNE and HELD_OUT)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N papers")
    parser.add_argument("--misses", type=int, default=0, help="print the first K misses of each style")
    args = parser.parse_args(argv)
    items = all_items()
    items = items[: args.limit] if args.limit else items
    groups = {"custom": tuple(args.styles.split(","))} if args.styles else {"TUNE": TUNE, "HELD_OUT": HELD_OUT}
    print(f"{len(items)} papers (hand-written, seeds, arXiv sample); rendered by citeproc-py\n")
    for group, styles in groups.items():
        results = {style: evaluate(style, items, args.misses) for style in styles}
        for mode in ("line", "list"):
            total: Counter[str] = Counter()
            how = "alone as a one-line note" if mode == "line" else "in one reading list"
            print(f"### {group}: each citation {how}\n")
            print("| style | " + " | ".join(COLUMNS) + " |")
            print("|---" * (len(COLUMNS) + 1) + "|")
            for style, result in results.items():
                total.update({k: v for k, v in result[mode].items() if k != "disagree"})
                left = result["line"]["disagree"]
                print(_row(style, result[mode]) + (f" ({left} left out)" if left else ""))
            print(_row(f"**all {group}**", total) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
