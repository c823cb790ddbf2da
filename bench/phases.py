"""The benchmark's phases, each run in a fresh process by bench.run so that start-up and memory are what a
restarted bot would see. Only the store's public entry points are used (Library, its live index, search and
ingest), so the benchmark measures what the bot runs, however those are built inside.

prepare: generate the corpus, ingest it (summaries per second, event-loop lag), build and save the index.
build: a full index build from the database, as a forced /reload does it (read, build, snapshot saved).
serve: start-up to ready, resident memory, every command over rounds of distinct queries, a full rebuild
    under queries (its peak memory against the steady one), then a reload of a few changed papers through
    the bot's /reload path (time until searchable, event-loop lag).
baselines: Tantivy, bm25s and rank-bm25 (where practical) on the same documents, with the bot's /paper,
    /topic and /ask sampled between their queries: ratios compare the same moments of a shared machine.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.probes import LoopLag, by_rounds, peak_mb, reset_peak, rss_mb, summary, timed

COMMANDS = ("paper", "topic", "ask", "author", "complete_author", "complete_topic")
SIDE_BY_SIDE = ("paper", "topic", "ask")  # the commands that search, compared with the baselines
ROUNDS = 5
CHANGED = 10  # papers a small reload changes, all in one file
MARK = "zqxreload"  # a word no generated text holds: the changed papers are found by it
MEMBER_PAUSE = 0.005  # seconds between a member's queries during a rebuild or a reload: a busy server's pace
RANK_BM25_MAX = 100_000  # rank-bm25 scores every document in Python: impractical beyond this

if TYPE_CHECKING:
    from store.library import Library


def url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder}/bench.sqlite3"


def library(folder: Path) -> Library:
    """The bot's Library on this run's database, with the run's corpus folder (its glossaries stamp the snapshot)."""
    from store.library import Library

    return Library(url(folder), folder / "corpus")


async def prepare(n: int, folder: Path, n_queries: int) -> dict[str, Any]:
    from bench.corpus import generate, queries

    records = generate(n, folder / "corpus")
    (folder / "queries.json").write_text(json.dumps(queries(records, n_queries)), encoding="utf-8")
    del records
    # The corpus on disk before the clock starts: the ingest timed is the ingest's, not the kernel writing
    # back the files just generated (1 GB at a million papers) beside it.
    os.sync()
    lib = library(folder)
    await lib.start(ingest_if_empty=False)
    async with LoopLag() as lag:
        t = time.perf_counter()
        report = await lib.ingest([folder / "corpus"])
        ingest_s = time.perf_counter() - t  # to its commit: every connection reads the papers from here on
        await lib.database.settled()  # the log copied into the file behind it (Database.checkpoint_behind)
        checkpoint_s = time.perf_counter() - t - ingest_s
    assert report.papers_total == n, report.papers_total
    t = time.perf_counter()
    await lib.live.refresh()  # builds the index and saves the snapshot a restart will load
    build_s = time.perf_counter() - t
    await lib.close()
    return {"ingest_per_s": n / ingest_s, "ingest_s": ingest_s, "checkpoint_s": checkpoint_s,
            "ingest_loop_lag_max": lag.max_ms,
            "prepare_build_s": build_s}


async def build(folder: Path) -> dict[str, Any]:
    lib = library(folder)
    await lib.prepare()
    t = time.perf_counter()
    await lib.live.refresh(rebuild=True)
    build_s = time.perf_counter() - t
    await lib.close()
    return {"build_s": build_s, "helpers_peak_mb": helpers_peak_mb()}


def helpers_peak_mb() -> float:
    """The largest resident size a process this one started (and waited for) reached, as getrusage counts it: a
    build's layout processes. Only in a fresh process that started no other (the build phase): it counts a
    started process's pages shared with this one before it became the layout process, and prepare's import
    leaves this one large (a million papers: 1.6 GB here, where the layout processes' own peak, VmHWM polled
    during a build, was 407 MB, as the build phase reports)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


async def _under_queries(lib: Library, qs: list[str], expected: dict[str, list[int]] | None,
                         work: Callable[[], Awaitable[object]]) -> dict[str, Any]:
    """Run `work` while a member keeps asking /paper through the bot's path (a query every few milliseconds);
    what they saw, and the loop's lag."""
    answered: list[float] = []
    failures = 0
    done = asyncio.Event()

    async def member() -> None:
        nonlocal failures
        i = 0
        while not done.is_set():
            q = qs[i % len(qs)]
            t0 = time.perf_counter()
            try:
                result = await lib.search.paper(q)
                if expected is not None:
                    failures += [h.paper.id for h in result.hits] != expected[q]
            except Exception:
                failures += 1
            answered.append((time.perf_counter() - t0) * 1000)
            i += 1
            await asyncio.sleep(MEMBER_PAUSE)

    async with LoopLag() as lag:
        task = asyncio.create_task(member())
        t = time.perf_counter()
        await work()
        seconds = time.perf_counter() - t
        done.set()
        await task
    return {"s": seconds, "queries": len(answered), "failures": failures,
            "query_p95": summary(answered)[1] if answered else 0.0, "loop_lag_max": lag.max_ms}


def change_papers(corpus: Path, tag: str, offset: int = 0) -> list[tuple[str, str]]:
    """Rewrite the first bulk file with CHANGED of its papers' abstracts changed, each gaining a word of its own
    (`tag` and a letter); (that word, the paper's title) for each, to find them by."""
    path = sorted(corpus.glob("bulk-*.jsonl"))[0]
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    step = max(1, len(records) // CHANGED)
    marked = []
    for k in range(min(CHANGED, len(records))):
        i = (k * step + offset) % len(records)
        word = f"{MARK}{tag}{chr(ord('a') + k)}"
        records[i]["abstract"] = f"{records[i]['abstract']} This version adds {word}."
        marked.append((word, records[i]["title"]))
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return marked


async def serve(folder: Path) -> dict[str, Any]:
    qs = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    base = rss_mb()
    lib = library(folder)
    t = time.perf_counter()
    await lib.start()
    res: dict[str, Any] = {"startup_s": time.perf_counter() - t, "startup_source": lib.live.index_source,
                           "base_rss_mb": base, "startup_rss_mb": rss_mb()}
    idx = lib.index
    # Rounds of distinct queries, each command in turn within a round: a slow moment of this shared machine
    # then spoils one round, not a command's whole figure, and the median round's is reported.
    rounds: list[dict[str, list[float]]] = []
    per = len(qs["paper"]) // ROUNDS
    for r in range(ROUNDS):
        rounds.append({cmd: timed(getattr(idx, cmd), qs[cmd][r * per : (r + 1) * per]) for cmd in COMMANDS})
    for cmd in COMMANDS:
        per_round = [summary(lat[cmd]) for lat in rounds]
        res[cmd] = [statistics.median(s[k] for s in per_round) for k in range(3)]
        res[f"{cmd}_rounds_p95"] = [s[1] for s in per_round]
    res["rss_mb"] = rss_mb()  # the steady memory of a serving bot, after its queries

    # A forced full rebuild while members keep asking: the corpus is unchanged, so every answer must equal
    # the one before; the process's peak memory meanwhile, against the steady memory.
    expected = {q: [h.paper.id for h in idx.paper(q).hits] for q in qs["paper"]}
    before = lib.live.generation
    res["peak_reset"] = reset_peak()
    rebuild = await _under_queries(lib, qs["paper"], expected, lambda: lib.live.refresh(rebuild=True))
    res["rebuild_peak_mb"] = peak_mb()
    assert lib.live.generation > before
    res.update({f"rebuild_{k}": v for k, v in rebuild.items()})

    # A few papers changed in one file. First the ingest alone, under the same queries (what reading the
    # changed file costs, whatever the index does); then another such change taken through the bot's /reload
    # (Library.reload) under queries, which brings the index up to date with both: the time until it returns,
    # and whether each paper it changed is then found by its new word. Its time less the ingest's is the index's.
    change_papers(folder / "corpus", "i", offset=1)
    res["change_ingest_s"] = (await _under_queries(lib, qs["paper"], None, lib.ingest))["s"]
    marked = change_papers(folder / "corpus", "r")
    reports: list[Any] = []

    async def reload() -> None:
        reports.append(await lib.reload())

    small = await _under_queries(lib, qs["paper"], None, reload)
    res.update({f"reload_{k}": v for k, v in small.items()})
    res["reload_updated"] = reports[0].updated
    res["reload_found"] = sum(bool(hits) and hits[0].paper.title == title
                              for word, title in marked for hits in [lib.index.paper(word).hits])
    res["reload_source"] = lib.live.index_source
    res["final_rss_mb"] = rss_mb()
    await lib.close()
    return res


async def baselines(folder: Path, n_queries: int, side_queries: int) -> dict[str, Any]:
    import numpy as np

    from bench.tantivy_baseline import TantivyBaseline
    from store.search.bm25 import BM25Matrix, top_k
    from store.text.tokenize import tokenize

    qs = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    lib = library(folder)
    res: dict[str, Any] = {}
    t = time.perf_counter()
    views = await lib.papers()
    res["read_s"] = time.perf_counter() - t
    n = len(views)
    tmp = tempfile.TemporaryDirectory(dir=folder)
    tv, res["tantivy_build_s"] = TantivyBaseline.build(views, Path(tmp.name))
    interned: dict[str, str] = {}  # one string per distinct token: a million papers' tokens fit in memory
    docs = [[interned.setdefault(w, w) for w in tokenize(f"{v.title}. {' '.join(v.topics)}. {v.summary}")]
            for v in views]
    del views, interned
    bq = [q for q in (tokenize(q) for q in qs["paper"][:n_queries]) if q]

    baseline = {}
    if n <= RANK_BM25_MAX:  # rank-bm25, and our BM25 matrix scoring exactly as it does on the same tokens
        from rank_bm25 import BM25Okapi

        t = time.perf_counter()
        ours = BM25Matrix.from_tokens(docs)
        res["plain_build_s"] = time.perf_counter() - t
        baseline["plain"] = lambda q: top_k(ours.scores(q), 10)
        t = time.perf_counter()
        okapi = BM25Okapi(docs)
        res["rank_bm25_build_s"] = time.perf_counter() - t
        baseline["rank_bm25"] = lambda q: np.argsort(-okapi.get_scores(q))[:10]

    import bm25s

    t = time.perf_counter()
    retriever = bm25s.BM25(method="robertson")
    retriever.index(docs, show_progress=False)
    res["bm25s_build_s"] = time.perf_counter() - t
    baseline["bm25s"] = lambda q: retriever.retrieve([q], k=10, show_progress=False)
    del docs

    # The baselines' millions of Python objects (rank-bm25's dictionaries above all) out of the collector's
    # reach, as the bot's own index is after its load (store.db.collector): else its full passes, set off by
    # any query's allocations, land on whichever query runs then, the bot's or a baseline's.
    gc.collect()
    gc.freeze()
    await lib.start()
    idx = lib.index
    lat: dict[str, list[float]] = {k: [] for k in baseline}
    side: dict[str, list[float]] = {f"{who}_{cmd}": [] for who in ("bot", "tantivy") for cmd in SIDE_BY_SIDE}
    overlap: list[int] = []
    # Each command's query goes to the bot and to Tantivy one after the other (the order alternating), so the
    # two are sampled at the same moments; the token baselines take one query per len/|bq| of these. Whoever
    # goes first after the token baselines meets the caches they left (rank-bm25: 100 ms of Python a query),
    # so that turn alternates too: `every` is odd (an even one gave it to the bot every time).
    every = max(1, side_queries // max(1, len(bq))) | 1
    for i in range(side_queries):
        for cmd in SIDE_BY_SIDE:
            q = qs[cmd][i % len(qs[cmd])]
            runs = {"bot": getattr(idx, cmd), "tantivy": tv.search}
            got = {}
            for who in ("bot", "tantivy") if i % 2 else ("tantivy", "bot"):
                t0 = time.perf_counter()
                got[who] = runs[who](q)
                side[f"{who}_{cmd}"].append((time.perf_counter() - t0) * 1000)
            if cmd == "paper":
                overlap.append(len({h.paper.id for h in got["bot"].hits} & set(got["tantivy"])))
        if i % every == 0 and i // every < len(bq):
            for name, fn in baseline.items():
                lat[name] += timed(fn, [bq[i // every]])
    await lib.close()
    tmp.cleanup()
    for name, values in lat.items():
        res[name] = summary(values)
    for name, values in side.items():  # in rounds, as the bot alone is measured (serve)
        res[name] = by_rounds(values, ROUNDS)
    res["tantivy_overlap_at_10"] = sum(overlap) / max(1, len(overlap)) / 10
    res["load_average"] = os.getloadavg()[0]  # other work on the machine: the tails move with it
    return res
