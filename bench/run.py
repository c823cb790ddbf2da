"""Benchmark: ingest, index build, start-up, per-command latency, reload and memory at N papers, beside
plain rank-bm25 and bm25s measured in the same run on the same documents and tokens.

    .venv/bin/pip install -e '.[bench]' && .venv/bin/python -m bench.run --sizes 1000,10000,100000

Each phase runs in a fresh process, so start-up and memory are what a restarted bot would see:
prepare (generate the corpus, ingest it through Library.ingest, build and save the index); build (read
every paper from the database and build the index, no snapshot; three times, the median reported);
serve (start the Library as the bot does, measure memory and every command over five rounds of
distinct queries, the median round reported, then a forced rebuild while queries keep coming);
baselines (rank-bm25, bm25s and our BM25 matrix with the very same tokens and queries, the bot's
/paper, /topic and /ask sampled between their queries so that the ratios compare the same moments of
a shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

COMMANDS = ("paper", "topic", "ask", "author", "complete_author", "complete_topic")
SIDE_BY_SIDE = ("paper", "topic", "ask")  # the commands that search, compared with the BM25 baselines
ROUNDS = 5
BUILDS = 3


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096 / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def summary(lat: list[float]) -> list[float]:
    return [statistics.median(lat), pct(lat, 95), pct(lat, 99)]


def timed(fn, args: list) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for a in args:
        t = time.perf_counter()
        fn(a)
        out.append((time.perf_counter() - t) * 1000)
    return out


def url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder}/bench.sqlite3"


async def prepare(n: int, folder: Path, n_queries: int) -> dict[str, Any]:
    from bench.corpus import generate, queries
    from store.library import Library

    records = generate(n, folder / "corpus")
    (folder / "queries.json").write_text(json.dumps(queries(records, n_queries)), encoding="utf-8")
    del records
    lib = Library(url(folder), folder / "corpus")
    await lib.start(ingest_if_empty=False)
    t = time.perf_counter()
    report = await lib.ingest([folder / "corpus"])
    ingest_s = time.perf_counter() - t
    assert report.papers_total == n, report.papers_total
    await lib.live.refresh()  # builds the index and saves the snapshot a restart will load
    await lib.close()
    return {"ingest_per_s": n / ingest_s}


async def build(folder: Path) -> dict[str, Any]:
    from store.db import collector
    from store.library import Library
    from store.search import SearchIndex

    lib = Library(url(folder))
    t = time.perf_counter()
    views = await lib.papers()
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    with collector.paused():  # as the library builds: no full collections over the growing index
        SearchIndex.build(views)
    build_s = time.perf_counter() - t
    await lib.close()
    return {"read_s": read_s, "build_s": build_s}


async def serve(folder: Path) -> dict[str, Any]:
    from store.library import Library

    qs = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    base = rss_mb()
    lib = Library(url(folder))
    t = time.perf_counter()
    await lib.start()
    res: dict[str, Any] = {"startup_s": time.perf_counter() - t, "startup_source": lib.live.index_source,
                           "base_rss_mb": base}
    idx = lib.index
    # Five rounds of distinct queries, each command in turn within a round: a slow moment of this shared
    # machine then spoils one round, not a command's whole figure, and the median round's is reported.
    rounds: list[dict[str, list[float]]] = []
    per = len(qs["paper"]) // ROUNDS
    for r in range(ROUNDS):
        rounds.append({cmd: timed(getattr(idx, cmd), qs[cmd][r * per : (r + 1) * per]) for cmd in COMMANDS})
    for cmd in COMMANDS:
        per_round = [summary(lat[cmd]) for lat in rounds]
        res[cmd] = [statistics.median(s[k] for s in per_round) for k in range(3)]
        res[f"{cmd}_rounds_p95"] = [s[1] for s in per_round]
    res["rss_mb"] = rss_mb()

    # /reload: a full rebuild from the database while members keep asking; measure what they see.
    lags: list[float] = []
    answered: list[float] = []
    failures = 0
    done = asyncio.Event()

    async def heartbeat() -> None:  # what the gateway's heartbeat would suffer: event-loop lag
        while not done.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(0.01)
            lags.append((time.perf_counter() - t0 - 0.01) * 1000)

    expected = {q: [h.paper.id for h in idx.paper(q).hits] for q in qs["paper"]}

    async def member() -> None:  # the corpus is unchanged, so every answer must equal the one before
        nonlocal failures
        i = 0
        while not done.is_set():
            q = qs["paper"][i % len(qs["paper"])]
            t0 = time.perf_counter()
            try:
                result = await lib.search.paper(q)
                failures += [h.paper.id for h in result.hits] != expected[q]
            except Exception:
                failures += 1
            answered.append((time.perf_counter() - t0) * 1000)
            i += 1

    tasks = [asyncio.create_task(heartbeat()), asyncio.create_task(member())]
    t = time.perf_counter()
    before = lib.live.generation
    await lib.live.refresh(rebuild=True)
    res["reload_s"] = time.perf_counter() - t
    done.set()
    await asyncio.gather(*tasks)
    assert lib.live.generation == before + 1
    res["reload_queries"] = len(answered)
    res["reload_failures"] = failures
    res["reload_query_p95"] = pct(answered, 95) if answered else 0.0
    res["reload_loop_lag_max"] = max(lags, default=0.0)
    res["peak_rss_mb"] = peak_mb()
    await lib.close()
    return res


async def baselines(folder: Path, n_queries: int) -> dict[str, Any]:
    import numpy as np

    from store.library import Library
    from store.search.bm25 import BM25Matrix, top_k
    from store.text.tokenize import tokenize

    qs = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    lib = Library(url(folder))
    views = await lib.papers()
    docs = [tokenize(f"{v.title}. {' '.join(v.topics)}. {v.summary}") for v in views]
    del views
    bq = [q for q in (tokenize(q) for q in qs["paper"][:n_queries]) if q]
    res: dict[str, Any] = {}

    t = time.perf_counter()
    ours = BM25Matrix.from_tokens(docs)
    res["plain_build_s"] = time.perf_counter() - t

    from rank_bm25 import BM25Okapi

    t = time.perf_counter()
    okapi = BM25Okapi(docs)
    res["rank_bm25_build_s"] = time.perf_counter() - t

    import bm25s

    t = time.perf_counter()
    retriever = bm25s.BM25(method="robertson")
    retriever.index(docs, show_progress=False)
    res["bm25s_build_s"] = time.perf_counter() - t
    del docs

    # Side by side: after each baseline query, the bot's own /paper, /topic and /ask answer a few of
    # theirs, so the ratios compare latencies sampled in the same moments of this shared machine.
    await lib.start()
    idx = lib.index
    baseline = {"rank_bm25": lambda q: np.argsort(-okapi.get_scores(q))[:10],
                "bm25s": lambda q: retriever.retrieve([q], k=10, show_progress=False),
                "plain": lambda q: top_k(ours.scores(q), 10)}
    lat: dict[str, list[float]] = {k: [] for k in (*baseline, *SIDE_BY_SIDE)}
    per = max(1, len(qs["paper"]) // max(1, len(bq)))
    for i, q in enumerate(bq):
        for name, fn in baseline.items():
            lat[name] += timed(fn, [q])
        for j in range(i * per, (i + 1) * per):
            for cmd in SIDE_BY_SIDE:
                lat[cmd] += timed(getattr(idx, cmd), [qs[cmd][j % len(qs[cmd])]])
    await lib.close()
    for name, values in lat.items():
        res[name if name in baseline else f"side_{name}"] = summary(values)
    return res


def phase(name: str, *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--phase", name, *args], capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"phase {name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(n: int, n_queries: int, baseline_queries: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        res: dict[str, Any] = {"n": n}
        res.update(phase("prepare", tmp, str(n), str(n_queries * ROUNDS)))
        # Three builds, each in a fresh process (nothing cached from the ones before): the median is
        # reported, the range kept in the JSON.
        builds = sorted((phase("build", tmp) for _ in range(BUILDS)), key=lambda b: b["build_s"])
        res.update(builds[len(builds) // 2])
        res["build_s_range"] = [builds[0]["build_s"], builds[-1]["build_s"]]
        res.update(phase("serve", tmp))
        res.update(phase("baselines", tmp, str(baseline_queries)))
    return res


def table(rows: list[dict[str, Any]]) -> str:
    f3 = lambda t: "/".join(f"{x:.2f}" for x in t)  # noqa: E731
    out = ["| N | ingest /s | read s + build s | start-up s | RSS MB | /paper ms p50/p95/p99 | /topic | /ask | "
           "/author | autocomplete p95 names/topics | reload s: queries answered, failed, p95 ms, max loop lag ms |",
           "|" + "---|" * 11]
    for r in rows:
        out.append(
            f"| {r['n']:,} | {r['ingest_per_s']:,.0f} | {r['read_s']:.2f} + {r['build_s']:.2f} | {r['startup_s']:.2f} "
            f"| {r['rss_mb']:.0f} | "
            f"{f3(r['paper'])} | {f3(r['topic'])} | {f3(r['ask'])} | {f3(r['author'])} | "
            f"{r['complete_author'][1]:.2f}/{r['complete_topic'][1]:.2f} | "
            f"{r['reload_s']:.1f}: {r['reload_queries']:,}, {r['reload_failures']}, {r['reload_query_p95']:.1f}, "
            f"{r['reload_loop_lag_max']:.0f} |")
    out += ["", "Baselines, same documents (title, topics, summary), same tokens, same queries, same run:", "",
            "| N | rank-bm25 p50/p95/p99 ms (build s) | bm25s p50/p95/p99 ms (build s) | our BM25 matrix, same scoring "
            "(build s) | p95 speed-up over rank-bm25: /paper, /topic, /ask | p95 time over bm25s's: /paper, /topic, "
            "/ask |", "|" + "---|" * 6]
    for r in rows:
        side = [r[f"side_{c}"][1] for c in SIDE_BY_SIDE]
        faster = ", ".join(f"{r['rank_bm25'][1] / p95:.1f}×" for p95 in side)
        slower = ", ".join(f"{p95 / r['bm25s'][1]:.2f}×" for p95 in side)
        out.append(
            f"| {r['n']:,} | {f3(r['rank_bm25'])} ({r['rank_bm25_build_s']:.1f}) | {f3(r['bm25s'])} "
            f"({r['bm25s_build_s']:.1f}) | {f3(r['plain'])} ({r['plain_build_s']:.1f}) | {faster} | {slower} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--queries", type=int, default=200, help="distinct queries per command in each of the rounds")
    ap.add_argument("--baseline-queries", type=int, default=30)
    ap.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.phase:
        name, folder, *rest = args.phase
        runs = {"prepare": lambda: prepare(int(rest[0]), Path(folder), int(rest[1])),
                "build": lambda: build(Path(folder)), "serve": lambda: serve(Path(folder)),
                "baselines": lambda: baselines(Path(folder), int(rest[0]))}
        print(json.dumps(asyncio.run(runs[name]())))
        return
    rows = []
    for n in (int(x) for x in args.sizes.split(",")):
        rows.append(measure(n, args.queries, args.baseline_queries))
        print(f"N={n:,} done", file=sys.stderr)
    text = table(rows)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
        args.out.with_suffix(".json").write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
