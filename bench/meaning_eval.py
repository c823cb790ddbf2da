"""BM25 alone and BM25 with meaning, side by side in one run: quality on the development judgments and CISI, and
latency and memory at 100,000 papers (issue 28).

    .venv/bin/python -m bench.meaning_eval [--at FOLDER] [--papers 100000] [--grid] [--out FILE.md]

Quality. Both sides are the bot's own searches: `SearchIndex.topic` and `.ask` with `index.meaning` None (BM25
alone, today's rankings) and with every paper embedded (store/search/meaning/attach.py): /topic then mixes in
meaning as store/search/meaning/ranking.py does (linear, BM25's share 0.9, the query embedded with its
expansions, the labelled papers first). /ask stays BM25 in the bot; its "fused" row applies the same mix to
/ask's papers here, to show why. Dev: tests/data/dev-queries.json (/topic recall@10; it judges no /ask). CISI:
76 judged queries, nDCG@10; the tuning half (even positions of the sorted ids) chose the fusion with dev, the
held-out half (odd positions) took no part. `--grid` adds the exploration the fusion was chosen from: RRF and
the linear mix at several weights, the query as typed or with its expansions.

Cost. Two fresh processes over the same prepared bench folder (bench.run's layout: bench.sqlite3, its index
snapshot, corpus/, queries.json; `--at`, or one generated here with `--papers` papers): one serves BM25 alone,
the other maps every paper's vector (made by a third process beforehand and saved beside the database, as a
served index maps them from its snapshot) and loads the model; each then answers the same /topic, /ask and
/paper queries, in rounds (the median round's p50/p95), and reports its resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.cisi_eval import DATA, judgments, ndcg_at_10, read_smart
from store.search import SearchIndex
from store.search.bm25 import top_k
from store.search.meaning import model as meaning_model
from store.search.meaning import ranking
from store.search.meaning.attach import embed_all
from store.search.meaning.fusion import RRF_K, linear, rrf
from store.search.meaning.vectors import Quantised, cosines

ROOT = Path(__file__).resolve().parent.parent
JUDGMENTS = ROOT / "tests" / "data" / "dev-queries.json"
DEPTH = ranking.DEPTH  # candidates from each side
ASK_DEPTH = 10  # /ask at 10 results, as nDCG@10 reads it (its papers depend on the limit: it reads 3 x limit)
WEIGHTS = (0.5, 0.7, 0.8, 0.9)  # the grid's linear mixes (BM25's share)
QUERIES = 300  # per command at 100,000 papers, in ROUNDS rounds
ROUNDS = 5


@dataclass
class Collection:
    """One corpus: its index with meaning off, the same with every paper embedded, and judged queries."""

    name: str
    index: SearchIndex
    queries: list[tuple[str, set[int]]]  # (query, relevant paper ids)
    on: SearchIndex = field(init=False)
    cache: dict[tuple[str, str], list[tuple[int, float]]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.on = copy.copy(self.index)
        embed_all(self.on)

    def row(self, paper_id: int) -> int:
        pos = self.index.papers.position(paper_id)  # type: ignore[attr-defined]
        assert pos is not None
        return pos

    def bm25(self, kind: str, query: str) -> list[tuple[int, float]]:
        """The bot's ranking with meaning off, (row, shown score): /topic's first DEPTH or /ask's ASK_DEPTH."""
        if (kind, query) not in self.cache:
            hits = (self.index.topic(query, DEPTH) if kind == "topic" else self.index.ask(query, ASK_DEPTH)).hits
            self.cache[kind, query] = [(self.row(h.paper.id), float(h.score)) for h in hits]
        return self.cache[kind, query]

    def ids(self, rows: list[int]) -> list[int]:
        return [self.index.papers[r].id for r in rows]


def query_text(index: SearchIndex, query: str, expand: bool) -> str:
    return ranking.query_text(query, index.read(query)) if expand else query


def labelled(index: SearchIndex, query: str) -> set[int]:
    """Rows of the papers carrying a topic label the query names: /topic puts them first."""
    keys = index._labels_for(index.read(query))  # the bench reads /topic's own rule
    return {int(r) for k in keys for r in index.topic_papers[k]}


def grid_ranking(c: Collection, kind: str, method: str, query: str, expand: bool) -> list[int]:
    """One exploratory method's ranking of rows (the grid): BM25's candidates and cosine's, fused."""
    assert c.on.meaning is not None
    cos = cosines(c.on.meaning, meaning_model.embed([query_text(c.index, query, expand)])[0])
    near = top_k(cos, DEPTH)
    if method == "cosine":
        return near
    bm25 = c.bm25(kind, query)
    if method == "rrf":
        ranking_ = [r for r, _ in rrf([[r for r, _ in bm25], near], k=RRF_K)]
    else:
        pool = dict.fromkeys([*near, *(r for r, _ in bm25)])
        ranking_ = [r for r, _ in linear(dict(bm25), {r: float(cos[r]) for r in pool}, float(method.split("=")[1]))]
    pinned = labelled(c.index, query) if kind == "topic" else set()
    return [r for r, _ in bm25 if r in pinned] + [r for r in ranking_ if r not in pinned]


Metric = Callable[[list[int], set[int]], float]


def recall_at_10(ranked: list[int], relevant: set[int]) -> float:
    return len(set(ranked[:10]) & relevant) / len(relevant)


def per_query(c: Collection, kind: str, side: str, metric: Metric, expand: bool = True) -> np.ndarray:
    """The metric of each judged query: side "bm25" or "meaning" (the bot's own /topic either way; /ask fused
    here), or a grid method."""
    out = []
    for query, relevant in c.queries:
        if side in ("bm25", "meaning", "scan") and (kind == "topic" or side == "bm25"):
            index = c.index if side == "bm25" else c.on
            ranking.SCAN = side == "scan"
            ids = [h.paper.id for h in (index.topic(query, 10) if kind == "topic" else index.ask(query, 10)).hits]
        else:
            ids = c.ids(grid_ranking(c, kind, "linear w=0.9" if side in ("meaning", "scan") else side, query, expand))
        out.append(metric(ids[:10], relevant))
    ranking.SCAN = False
    return np.asarray(out)


async def seeds_collection() -> Collection:
    from store.library import Library

    judged = json.loads(JUDGMENTS.read_text(encoding="utf-8"))["topic"]
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(f"sqlite+aiosqlite:///{Path(tmp) / 'dev.sqlite3'}")
        await lib.start()
        try:
            index = lib.index
        finally:
            await lib.close()
    by_title = {p.title: p.id for p in index.papers}
    return Collection("dev (seeds)", index, [(q["query"], {by_title[t] for t in q["relevant"]}) for q in judged])


def cisi_collection(data: Path) -> Collection:
    from store.search.results import PaperView, SummaryView
    from store.text.names import split_authors

    docs = read_smart(data / "CISI.ALL")
    qs = {i: r["W"] for i, r in read_smart(data / "CISI.QRY").items()}
    rel = judgments(data / "CISI.REL")
    now = datetime.now(UTC)
    index = SearchIndex.build([
        PaperView(id=i, title=docs[i]["T"], authors=tuple(split_authors(docs[i]["A"].replace(";", " and "))),
                  venue=None, year=None, topics=(), link=None, summaries=(SummaryView("CISI.ALL", i, docs[i]["W"]),),
                  added_at=now) for i in sorted(docs)])
    return Collection("CISI", index, [(qs[q], {d for d in rel[q] if d in docs}) for q in sorted(rel) if q in qs])


# --- cost at 100,000 papers: one fresh process per side ---

async def serve(folder: Path, side: str, n_queries: int) -> dict[str, Any]:
    """Start the bot's library on a prepared bench folder; with side "meaning", embed every paper; then time
    /topic, /ask and /paper (the median round's p50/p95) and read the resident memory."""
    from bench.phases import library
    from bench.probes import rss_mb, summary, timed

    qs = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    lib = library(folder)
    await lib.start()
    index = lib.index
    res: dict[str, Any] = {"side": side, "papers": len(index), "source": lib.live.index_source,
                           "rss_loaded_mb": rss_mb(), "anon_loaded_mb": anon_mb()}
    if side == "embed":  # a process of its own: what embedding leaves in the heap is not the server's
        t = time.perf_counter()
        embed_all(index)
        assert index.meaning is not None
        res["embed_s"] = time.perf_counter() - t
        np.save(folder / "meaning-codes.npy", index.meaning.codes)
        np.save(folder / "meaning-scales.npy", index.meaning.scales)
        await lib.close()
        return res
    if side in ("meaning", "scan"):  # mapped, as a served index would map them from its snapshot
        ranking.SCAN = side == "scan"
        index.meaning = Quantised(np.load(folder / "meaning-codes.npy", mmap_mode="r"),
                                  np.load(folder / "meaning-scales.npy", mmap_mode="r"))
        index.meaning_known = index.meaning.scales > 0
        res["vectors_mb"] = index.meaning.nbytes / 2**20
        meaning_model.model()
    per = n_queries // ROUNDS
    for cmd in ("topic", "ask", "paper"):
        rounds = [summary(timed(getattr(index, cmd), qs[cmd][r * per:(r + 1) * per])) for r in range(ROUNDS)]
        res[cmd] = [float(np.median([s[k] for s in rounds])) for k in range(2)]
    res["rss_mb"], res["anon_mb"] = rss_mb(), anon_mb()
    await lib.close()
    return res


def anon_mb() -> float:
    """Resident memory of the process's own (anonymous) pages: without the mapped snapshot and model, which
    embedding every paper here reads whole (a served index maps its vectors instead)."""
    text = Path("/proc/self/status").read_text()
    return int(text.split("RssAnon:")[1].split()[0]) / 1024


def cost(folder: Path, n_queries: int) -> dict[str, dict[str, Any]]:
    out = {}
    for side in ("embed", "bm25", "meaning", "scan"):
        proc = subprocess.run([sys.executable, "-m", "bench.meaning_eval", "--serve", str(folder), side,
                               str(n_queries)], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode:
            sys.exit(f"serving {side} failed:\n{proc.stderr}")
        out[side] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def prepared(at: Path | None, papers: int, tmp: str) -> Path:
    """The bench folder to serve: `at`, or `papers` generated, ingested and built here (bench.phases.prepare)."""
    if at is not None:
        return at
    from bench import phases

    folder = Path(tmp)
    asyncio.run(phases.prepare(papers, folder, QUERIES))
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--at", type=Path, default=None, help="a prepared bench folder (bench.run's layout)")
    ap.add_argument("--papers", type=int, default=100_000, help="papers to generate when --at is not given")
    ap.add_argument("--queries", type=int, default=QUERIES, help="queries per command at that size")
    ap.add_argument("--grid", action="store_true", help="also the fusions the choice was made from")
    ap.add_argument("--out", type=Path, default=None, help="also write the report (Markdown) here")
    ap.add_argument("--serve", nargs=3, metavar=("FOLDER", "SIDE", "QUERIES"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        print(json.dumps(asyncio.run(serve(Path(args.serve[0]), args.serve[1], int(args.serve[2])))))
        return
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    t0 = time.perf_counter()
    meaning_model.model()
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    dev, cisi = asyncio.run(seeds_collection()), cisi_collection(args.data)
    embed_s = time.perf_counter() - t0
    tune, held = list(range(0, len(cisi.queries), 2)), list(range(1, len(cisi.queries), 2))

    def figures(side: str, expand: bool = True) -> list[float]:
        d = float(per_query(dev, "topic", side, recall_at_10, expand).mean())
        t = per_query(cisi, "topic", side, ndcg_at_10, expand)
        return [d, float(t[tune].mean()), float(t[held].mean()), float(t.mean())]

    say(f"Model: wordllama l2_supercat_256, int8 vectors; loaded in {load_s:.2f} s. Dev: {len(dev.queries)} /topic "
        f"queries on {len(dev.index)} seeds papers; CISI: {len(cisi.index):,} papers, {len(cisi.queries)} judged "
        f"queries (tune {len(tune)}, held-out {len(held)}); both corpora read and embedded in {embed_s:.1f} s.")
    say()
    say("| ranking | /topic dev recall@10 | /topic CISI nDCG@10 tune | held-out | all | /ask CISI nDCG@10 tune | "
        "held-out | all |")
    say("|---|---|---|---|---|---|---|---|")
    got = {}
    for side, what in (("bm25", "BM25 alone (meaning off: today's)"),
                       ("meaning", "BM25 + meaning (on: /topic's mix over BM25's candidates; /ask's here only)"),
                       ("scan", "BM25 + meaning, also scanning every vector"), ("cosine", "cosine alone")):
        d, t, a = got[side] = (per_query(dev, "topic", side, recall_at_10), per_query(cisi, "topic", side, ndcg_at_10),
                               per_query(cisi, "ask", side, ndcg_at_10))
        say(f"| {what} | {d.mean():.3f} | {t[tune].mean():.4f} | {t[held].mean():.4f} | {t.mean():.4f} | "
            f"{a[tune].mean():.4f} | {a[held].mean():.4f} | {a.mean():.4f} |")
    say()
    for kind, k in (("topic", 1), ("ask", 2)):
        b, m = got["bm25"][k][held], got["meaning"][k][held]
        say(f"Held-out CISI, /{kind} with meaning against BM25 alone: {int((m > b).sum())} queries better, "
            f"{int((m < b).sum())} worse, {int((m == b).sum())} the same ({m.mean() - b.mean():+.4f})"
            + (" (the bot keeps /ask on BM25)." if kind == "ask" else "."))
    bd, md = got["bm25"][0], got["meaning"][0]
    names = [q for q, _ in dev.queries]
    say("Dev /topic, where meaning moved recall@10: " + ", ".join(
        f"{names[i]!r} {bd[i]:.2f} -> {md[i]:.2f}" for i in np.flatnonzero(bd != md).tolist()) + ".")
    if args.grid:
        say()
        say("| /topic fusion (grid) | query embedded | dev recall@10 | CISI tune | held-out | all |")
        say("|---|---|---|---|---|---|")
        for expand in (False, True):
            for method in ["rrf", *(f"linear w={w}" for w in WEIGHTS)]:
                f = figures(method, expand)
                say(f"| {method.replace('rrf', f'RRF k={RRF_K}')} | {'with expansions' if expand else 'as typed'} | "
                    f"{f[0]:.3f} | {f[1]:.4f} | {f[2]:.4f} | {f[3]:.4f} |")
    with tempfile.TemporaryDirectory() as tmp:
        folder = prepared(args.at, args.papers, tmp)
        c = cost(folder, args.queries)
    b, m = c["bm25"], c["meaning"] | {"embed_s": c["embed"]["embed_s"]}
    say()
    say(f"At {b['papers']:,} papers ({folder if args.at else 'generated by bench.corpus'}; index from its "
        f"{b['source']}), {args.queries} queries per command in {ROUNDS} rounds, the median round's figures; "
        f"every paper embedded in {m['embed_s']:.0f} s ({m['papers'] / m['embed_s']:,.0f} papers/s), vectors "
        f"{m['vectors_mb']:.1f} MB:")
    say()
    say("| side | /topic p50 / p95 ms | /ask p50 / p95 ms | /paper p50 / p95 ms | resident MB, loaded -> after "
        "queries | of which the process's own (anonymous) |")
    say("|---|---|---|---|---|---|")
    for what, r in (("BM25 alone", b), ("BM25 + meaning (BM25's candidates: the bot's)", m),
                    ("BM25 + meaning (also scanning every vector)", c["scan"])):
        say(f"| {what} | {r['topic'][0]:.2f} / {r['topic'][1]:.2f} | {r['ask'][0]:.2f} / {r['ask'][1]:.2f} | "
            f"{r['paper'][0]:.2f} / {r['paper'][1]:.2f} | {r['rss_loaded_mb']:.0f} -> {r['rss_mb']:.0f} | "
            f"{r['anon_loaded_mb']:.0f} -> {r['anon_mb']:.0f} |")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
