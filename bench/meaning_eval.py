"""BM25 alone, cosine alone and the two fused, side by side: /topic on the development judgments, /topic and
/ask on CISI (issue 28).

    .venv/bin/python -m bench.meaning_eval [--out FILE.md]

The BM25 side is the project's own search: `SearchIndex.topic` (labelled papers first, titles naming the
topic, feedback) and `SearchIndex.ask` (papers ranked by their best sentence), their first DEPTH papers.
The cosine side is store/search/meaning: every paper's title, topics and summary start as an int8 vector;
the query embedded as typed and with the expansions the bot reads it with ("RL" also "reinforcement
learning"). Fusions: reciprocal-rank (k=60) and the linear mix of min-max normalised scores at a few
weights; a fused /topic keeps the labelled papers first, as /topic does today (one row shows it without).

The fusion is chosen on the development judgments (the seeds, /topic recall@10) and on half of CISI's
judged queries (even positions of the sorted ids, nDCG@10), by the mean of the two gains over BM25, and
then checked on the other half, which took no part in the choice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.cisi_eval import DATA, judgments, ndcg_at_10, read_smart
from store.search import SearchIndex
from store.search.bm25 import top_k
from store.search.meaning import model as meaning_model
from store.search.meaning.fusion import RRF_K, linear, rrf
from store.search.meaning.vectors import Quantised, cosines, paper_text, quantise

JUDGMENTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "dev-queries.json"
DEPTH = 100  # candidates from each side
ASK_DEPTH = 30  # /ask reads sentences of 3 x limit papers: 30 is past what nDCG@10 sees
WEIGHTS = (0.5, 0.6, 0.7, 0.8, 0.9)  # the linear mix's share of BM25


@dataclass
class Collection:
    """One corpus: its index, its papers' vectors (rows = catalog positions) and judged queries."""

    name: str
    index: SearchIndex
    ids: list[int]  # row -> paper id
    vectors: Quantised  # int8, as the index would keep them
    floats: np.ndarray  # the same vectors in float32, for the check
    queries: list[tuple[str, set[int]]]  # (query, relevant rows)
    parts: list[tuple[str, tuple[str, ...], str]]  # each paper's title, topics, summary: what is embedded
    row: dict[int, int] = field(init=False)

    cache: dict[tuple[str, str], list[tuple[int, float]]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.row = {pid: r for r, pid in enumerate(self.ids)}

    def bm25(self, kind: str, query: str) -> list[tuple[int, float]]:
        """The project's own ranking, (row, score): /topic's first DEPTH papers or /ask's ASK_DEPTH."""
        if (kind, query) not in self.cache:
            hits = (self.index.topic(query, DEPTH) if kind == "topic" else self.index.ask(query, ASK_DEPTH)).hits
            self.cache[kind, query] = [(self.row[h.paper.id], float(h.score)) for h in hits]
        return self.cache[kind, query]


def query_text(index: SearchIndex, query: str, expand: bool) -> str:
    """The query as embedded: as typed, or with the long forms and acronyms the bot reads into it."""
    if not expand:
        return query
    return " ".join(dict.fromkeys([query, *(g.shown for g in index.read(query).groups)]))


def labelled(index: SearchIndex, query: str) -> set[int]:
    """Rows of the papers carrying a topic label the query names: /topic puts them first."""
    keys = index._labels_for(index.read(query))  # the bench reads /topic's own rule
    return {int(r) for k in keys for r in index.topic_papers[k]}


def fused(method: str, bm25: list[tuple[int, float]], cos: np.ndarray, pinned: set[int]) -> list[int]:
    """One method's ranking of rows; `pinned` (labelled papers) stay first in BM25's order."""
    if method == "bm25":
        return [r for r, _ in bm25]
    near = top_k(cos, DEPTH)
    if method == "cosine":
        return near
    if method.startswith("rrf"):
        ranking = [r for r, _ in rrf([[r for r, _ in bm25], near], k=RRF_K)]
    else:
        weight = float(method.split("=")[1].split()[0])
        # "rerank": cosine only for BM25's own candidates (no scan of every paper's vector)
        pool = dict.fromkeys([*([] if "rerank" in method else near), *(r for r, _ in bm25)])
        ranking = [r for r, _ in linear(dict(bm25), {r: float(cos[r]) for r in pool}, weight)]
    if method.endswith("unpinned") or not pinned:
        return ranking
    head = [r for r, _ in bm25 if r in pinned]
    return head + [r for r in ranking if r not in pinned]


def values(c: Collection, kind: str, method: str, expand: bool, metric: Callable[[list[int], set[int]], float],
           vectors: str = "int8") -> list[float]:
    """The metric of each judged query under one method."""
    if vectors == "int8":
        matrix: Quantised | np.ndarray = c.vectors
    elif vectors == "float":
        matrix = c.floats
    else:  # "128": the first 128 dimensions, a smaller model of their own (Matryoshka)
        matrix = quantise(unit(c.floats[:, :128]))
    dims = (matrix.codes if isinstance(matrix, Quantised) else matrix).shape[1]
    qv = unit(meaning_model.embed([query_text(c.index, q, expand) for q, _ in c.queries])[:, :dims])
    out = []
    for (query, relevant), v in zip(c.queries, qv, strict=True):
        bm25 = c.bm25(kind, query) if method != "cosine" else []
        pinned = labelled(c.index, query) if kind == "topic" else set()
        out.append(metric(fused(method, bm25, cosines(matrix, v), pinned)[:10], relevant))
    return out


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def recall_at_10(ranked: list[int], relevant: set[int]) -> float:
    return len(set(ranked[:10]) & relevant) / len(relevant)


TEXTS = {  # what a paper's vector is made of: the first is vectors.paper_text, the one the module uses
    "joined": "title, topics, summary's first 600 characters, as one text",
    "joined-300": "the same with 300 characters of summary",
    "joined-1500": "the same with 1,500 characters of summary",
    "title": "title and topics only",
    "title+body": "title and topics, and the summary's first 600 characters, embedded apart, vectors added",
}


def text_vectors(parts: list[tuple[str, tuple[str, ...], str]], how: str) -> np.ndarray:
    if how == "title+body":
        return unit(meaning_model.embed([paper_text(t, tp, "") for t, tp, _ in parts])
                    + meaning_model.embed([s[:600] for _, _, s in parts]))
    chars = {"joined": 600, "joined-300": 300, "joined-1500": 1500, "title": 0}[how]
    return meaning_model.embed([paper_text(t, tp, s if chars else "", chars=max(chars, 1)) for t, tp, s in parts])


async def seeds_collection() -> Collection:
    from store.library import Library

    judged = json.loads(JUDGMENTS.read_text(encoding="utf-8"))["topic"]
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(f"sqlite+aiosqlite:///{Path(tmp) / 'dev.sqlite3'}")
        await lib.start()
        try:
            index, papers = lib.index, list(lib.catalog)
        finally:
            await lib.close()
    ids = [p.id for p in papers]
    by_title = {p.title: r for r, p in enumerate(papers)}
    parts = [(p.title, p.topics, p.summary) for p in papers]
    vectors = text_vectors(parts, "joined")
    queries = [(q["query"], {by_title[t] for t in q["relevant"]}) for q in judged]
    return Collection("dev (seeds)", index, ids, quantise(vectors), vectors, queries, parts)


def cisi_collection(data: Path) -> tuple[Collection, float]:
    from store.search.results import PaperView, SummaryView
    from store.text.names import split_authors

    docs = read_smart(data / "CISI.ALL")
    qs = {i: r["W"] for i, r in read_smart(data / "CISI.QRY").items()}
    rel = judgments(data / "CISI.REL")
    ids = sorted(docs)
    now = datetime.now(UTC)
    index = SearchIndex.build([
        PaperView(id=i, title=docs[i]["T"], authors=tuple(split_authors(docs[i]["A"].replace(";", " and "))),
                  venue=None, year=None, topics=(), link=None, summaries=(SummaryView("CISI.ALL", i, docs[i]["W"]),),
                  added_at=now) for i in ids])
    parts = [(docs[i]["T"], (), docs[i]["W"]) for i in ids]
    start = time.perf_counter()
    vectors = text_vectors(parts, "joined")
    seconds = time.perf_counter() - start
    row = {pid: r for r, pid in enumerate(ids)}
    queries = [(qs[q], {row[d] for d in rel[q] if d in row}) for q in sorted(rel) if q in qs]
    return Collection("CISI", index, ids, quantise(vectors), vectors, queries, parts), seconds


def cost(n: int = 100_000, queries: int = 200) -> dict[str, float]:
    """Cosine top-10 over n random int8 vectors (the figure that grows with the corpus), and a query's
    embedding; p50/p95 ms."""
    rng = np.random.default_rng(28)
    matrix = quantise(unit(rng.standard_normal((n, meaning_model.DIMS), dtype=np.float32)))
    texts = [f"query {i} about generative adversarial networks and policy gradients" for i in range(queries)]
    embed_ms, top_ms = [], []
    for text in texts:
        t0 = time.perf_counter()
        v = meaning_model.embed([text])[0]
        t1 = time.perf_counter()
        top_k(cosines(matrix, v), 10)
        t2 = time.perf_counter()
        embed_ms.append(1000 * (t1 - t0))
        top_ms.append(1000 * (t2 - t1))
    return {"embed_p50": float(np.median(embed_ms)), "embed_p95": float(np.percentile(embed_ms, 95)),
            "top_p50": float(np.median(top_ms)), "top_p95": float(np.percentile(top_ms, 95)),
            "mb_100k": matrix.nbytes / 1e6, "mb_1m": matrix.nbytes / 1e6 * 10}


def methods() -> list[str]:
    return ["rrf", *(f"linear w={w}" for w in WEIGHTS)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=None, help="also write the report (Markdown) here")
    ap.add_argument("--texts", action="store_true", help="also compare what a paper's vector is made of")
    args = ap.parse_args()
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    t0 = time.perf_counter()
    meaning_model.model()
    load_s = time.perf_counter() - t0
    dev = asyncio.run(seeds_collection())
    cisi, cisi_embed_s = cisi_collection(args.data)
    tune, held = list(range(0, len(cisi.queries), 2)), list(range(1, len(cisi.queries), 2))

    def row(kind: str, method: str, expand: bool, vectors: str = "int8") -> tuple[float, float, float, float]:
        d = float(np.mean(values(dev, "topic", method, expand, recall_at_10, vectors))) if kind == "topic" else np.nan
        v = np.asarray(values(cisi, kind, method, expand, ndcg_at_10, vectors))
        return d, float(v[tune].mean()), float(v[held].mean()), float(v.mean())

    say(f"Model: wordllama l2_supercat_256 (int8 vectors), loaded in {load_s:.2f} s; CISI's {len(cisi.ids):,} "
        f"papers embedded in {cisi_embed_s:.2f} s. Dev: {len(dev.queries)} /topic queries on {len(dev.ids)} "
        f"seeds papers; CISI: {len(cisi.queries)} judged queries, tune half {len(tune)}, held-out half {len(held)}.")
    say()
    say("| /topic ranking | query embedded | dev recall@10 | CISI nDCG@10 tune | CISI held-out | CISI all |")
    say("|---|---|---|---|---|---|")
    base = row("topic", "bm25", False)
    table: dict[tuple[str, bool], tuple[float, float, float, float]] = {}
    say(f"| BM25 alone (project /topic) | — | {base[0]:.3f} | {base[1]:.4f} | {base[2]:.4f} | {base[3]:.4f} |")
    for expand in (False, True):
        how = "with expansions" if expand else "as typed"
        for method in ["cosine", *methods()]:
            table[method, expand] = r = row("topic", method, expand)
            say(f"| {method.replace('rrf', f'RRF k={RRF_K}')} | {how} | {r[0]:.3f} | {r[1]:.4f} | {r[2]:.4f} | "
                f"{r[3]:.4f} |")
    gains = {key: ((r[0] - base[0]) + (r[1] - base[1])) / 2 for key, r in table.items() if key[0] != "cosine"}
    best = max(gains, key=lambda key: (gains[key], key[0] == "rrf"))
    r = table[best]
    helps = r[0] >= base[0] and r[1] >= base[1]
    say()
    how = "with expansions" if best[1] else "as typed"
    say(f"Chosen on dev + CISI tune (mean gain over BM25): {best[0]}, query {how}: dev {r[0] - base[0]:+.3f}, "
        f"CISI tune {r[1] - base[1]:+.4f}; held-out CISI {r[2]:.4f} against BM25's "
        f"{base[2]:.4f} ({r[2] - base[2]:+.4f}). {'Helps on both tuning sets' if helps else 'Hurts on a tuning set'};"
        f" {'helps' if r[2] > base[2] else 'does not help'} on the held-out half.")
    unpinned = row("topic", f"{best[0]} unpinned", best[1])
    say(f"Same fusion without keeping labelled papers first: dev {unpinned[0]:.3f}, CISI all {unpinned[3]:.4f}.")
    rerank = row("topic", f"{best[0]} rerank", best[1])
    say(f"Same fusion over BM25's own {DEPTH} candidates only (no scan of every vector): dev {rerank[0]:.3f}, "
        f"CISI tune {rerank[1]:.4f}, held-out {rerank[2]:.4f}, all {rerank[3]:.4f}.")
    as_float = row("topic", best[0], best[1], vectors="float")
    small = row("topic", best[0], best[1], vectors="128")
    say(f"Check: float32 vectors give dev {as_float[0]:.3f}, CISI all {as_float[3]:.4f} (int8 above); the first "
        f"128 dimensions only (int8, 132 bytes a paper): dev {small[0]:.3f}, CISI all {small[3]:.4f}.")
    say()
    say("| /ask ranking (CISI; papers in order of their best sentence) | nDCG@10 tune | held-out | all |")
    say("|---|---|---|---|")
    for method in ("bm25", "rrf", best[0]):
        a = row("ask", method, best[1])
        say(f"| {method.replace('rrf', f'RRF k={RRF_K}')} | {a[1]:.4f} | {a[2]:.4f} | {a[3]:.4f} |")
    if args.texts:
        say()
        say(f"| paper text (query with expansions) | cosine: dev | CISI tune | CISI held-out | {best[0]}: dev | "
            "CISI tune | CISI held-out |")
        say("|---|---|---|---|---|---|---|")
        for how, what in TEXTS.items():
            for coll in (dev, cisi):
                coll.floats = text_vectors(coll.parts, how)
                coll.vectors = quantise(coll.floats)
            cs, fs = row("topic", "cosine", True), row("topic", best[0], True)
            say(f"| {what} | {cs[0]:.3f} | {cs[1]:.4f} | {cs[2]:.4f} | {fs[0]:.3f} | {fs[1]:.4f} | {fs[2]:.4f} |")
    c = cost()
    say()
    say(f"Cost: a query's embedding p50/p95 {c['embed_p50']:.2f}/{c['embed_p95']:.2f} ms; cosine top-10 over 100,000 "
        f"int8 vectors p50/p95 {c['top_p50']:.2f}/{c['top_p95']:.2f} ms; vectors {c['mb_100k']:.0f} MB at 100,000, "
        f"{c['mb_1m']:.0f} MB at 1,000,000; this process's peak resident "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB.")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
