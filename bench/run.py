"""Benchmark: ingest, start-up, per-command latency and memory at N papers, beside rank-bm25 and bm25s.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python -m bench.run --sizes 1000,10000,100000

Each size runs in its own process so memory figures are not mixed. The baselines score the same
documents with the same tokens (title, topics and summary through store.tokenize) in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def timed(fn, args: list) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for a in args:
        t = time.perf_counter()
        fn(a)
        out.append((time.perf_counter() - t) * 1000)
    return out


async def measure(n: int, n_queries: int, baseline_queries: int) -> dict:
    from bench.corpus import generate, queries
    from store.library import Library
    from store.search import SearchIndex

    res: dict = {"n": n}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        records = generate(n, folder)
        qs = queries(records, n_queries)
        url = f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        lib = Library(url, folder)
        t = time.perf_counter()
        await lib.start(ingest_if_empty=False)
        await lib.ingest([folder])
        res["ingest_per_s"] = n / (time.perf_counter() - t)
        await lib.close()

        base_rss = rss_mb()
        lib = Library(url, folder)
        t = time.perf_counter()
        await lib.start()
        res["startup_s"] = time.perf_counter() - t
        res["rss_mb"] = rss_mb()
        res["rss_delta_mb"] = res["rss_mb"] - base_rss
        views = list(lib.catalog)
        t = time.perf_counter()
        SearchIndex.build(views)
        res["build_s"] = time.perf_counter() - t
        idx = lib.index
        for cmd in ("paper", "topic", "ask", "author", "complete_author", "complete_topic"):
            lat = timed(getattr(idx, cmd), qs[cmd])
            res[cmd] = (statistics.median(lat), pct(lat, 95), pct(lat, 99))
        await lib.close()

        # Baselines on the same tokens.
        from store.tokenize import tokenize

        docs = [tokenize(f"{v.title}. {' '.join(v.topics)}. {v.summary}") for v in views]
        bq = [tokenize(q) for q in qs["paper"][:baseline_queries]]
        import numpy as np
        from rank_bm25 import BM25Okapi

        t = time.perf_counter()
        okapi = BM25Okapi(docs)
        res["rank_bm25_build_s"] = time.perf_counter() - t
        lat = timed(lambda q: np.argsort(-okapi.get_scores(q))[:10], bq)
        res["rank_bm25"] = (statistics.median(lat), pct(lat, 95))
        okapi = None  # free the baseline's memory before the next one
        import bm25s

        t = time.perf_counter()
        retriever = bm25s.BM25(method="robertson")
        retriever.index(docs, show_progress=False)
        res["bm25s_build_s"] = time.perf_counter() - t
        lat = timed(lambda q: retriever.retrieve([q], k=10, show_progress=False), [q for q in bq if q])
        res["bm25s"] = (statistics.median(lat), pct(lat, 95))
        ours = timed(lambda q: idx.text.scores(q), bq)
        res["ours_plain"] = (statistics.median(ours), pct(ours, 95))
    return res


def table(rows: list[dict]) -> str:
    out = ["| N | ingest /s | start-up s | build s | RSS MB | /paper p50/p95/p99 ms | /topic p50/p95/p99 | "
           "/ask p50/p95/p99 | /author p50/p95 | autocomplete p95 (names/topics) | rank-bm25 p50/p95 ms (build s) | "
           "bm25s p50/p95 ms (build s) | same-scoring ours p50/p95 | /paper vs rank-bm25 | vs bm25s |",
           "|" + "---|" * 15]
    for r in rows:
        f3 = lambda t: "/".join(f"{x:.2f}" for x in t)  # noqa: E731
        out.append(
            f"| {r['n']:,} | {r['ingest_per_s']:,.0f} | {r['startup_s']:.2f} | {r['build_s']:.2f} "
            f"| {r['rss_mb']:.0f} | "
            f"{f3(r['paper'])} | {f3(r['topic'])} | {f3(r['ask'])} | {f3(r['author'][:2])} | "
            f"{r['complete_author'][1]:.2f}/{r['complete_topic'][1]:.2f} | "
            f"{f3(r['rank_bm25'])} ({r['rank_bm25_build_s']:.1f}) | "
            f"{f3(r['bm25s'])} ({r['bm25s_build_s']:.1f}) | {f3(r['ours_plain'])} | "
            f"{r['rank_bm25'][1] / r['paper'][1]:.0f}× faster | {r['paper'][1] / r['bm25s'][1]:.1f}× bm25s time |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--baseline-queries", type=int, default=30)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(measure(args.one, args.queries, args.baseline_queries))))
        return
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        proc = subprocess.run([sys.executable, "-m", "bench.run", "--one", str(n), "--queries", str(args.queries),
                               "--baseline-queries", str(args.baseline_queries)], capture_output=True, text=True)
        if proc.returncode:
            sys.exit(proc.stderr)
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"N={n:,} done", file=sys.stderr)
    text = table(rows)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
