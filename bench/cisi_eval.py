"""Ranking quality on a real collection: nDCG@10 on CISI, the project's search beside rank-bm25.

    .venv/bin/python -m bench.cisi_eval

CISI (bench/data/cisi: 1,460 library-science abstracts, 76 judged queries, SMART format) is a classic
retrieval benchmark. Three rankings use the same tokens (store.text.tokenize: case folding, English stop
words, Snowball stemming): rank-bm25's BM25Okapi over title, authors and abstract as one text; the
project's BM25 matrix over the same text (the scoring /paper builds on, with the IDF floor); and the
project's /paper itself, fielded (title, authors, summary) as the bot runs it. The speed-ups must not
cost quality: the last two should reach at least rank-bm25's nDCG@10.
"""

from __future__ import annotations

import argparse
import math
import re
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data" / "cisi"


def read_smart(path: Path) -> dict[int, dict[str, str]]:
    """`.I id` records with `.T`/`.A`/`.W`/`.X` fields; repeated fields (several authors) are joined."""
    records: dict[int, dict[str, str]] = {}
    current: dict[str, str] | None = None
    field = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if m := re.match(r"^\.I\s+(\d+)", line):
            current = records.setdefault(int(m.group(1)), defaultdict(str))  # type: ignore[arg-type]
            field = None
        elif current is not None and re.match(r"^\.[TAWXB]\s*$", line):
            field = line[1]
            if field == "A" and current["A"]:
                current["A"] += "; "
        elif current is not None and field:
            current[field] += (" " if current[field] and field != "A" else "") + line.strip()
    return records


def judgments(path: Path) -> dict[int, set[int]]:
    rel: dict[int, set[int]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            rel[int(parts[0])].add(int(parts[1]))
    return dict(rel)


def ndcg_at_10(ranked: list[int], relevant: set[int]) -> float:
    dcg = sum(1 / math.log2(r + 2) for r, d in enumerate(ranked[:10]) if d in relevant)
    ideal = sum(1 / math.log2(r + 2) for r in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def evaluate(rank: Callable[[str], list[int]], queries: dict[int, str], rel: dict[int, set[int]]) -> float:
    return float(np.mean([ndcg_at_10(rank(queries[q]), rel[q]) for q in sorted(rel) if q in queries]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()

    from rank_bm25 import BM25Okapi

    from store.search import SearchIndex
    from store.search.bm25 import BM25Matrix, top_k
    from store.search.results import PaperView, SummaryView
    from store.text.names import split_authors
    from store.text.tokenize import tokenize

    docs = read_smart(args.data / "CISI.ALL")
    queries = {i: r["W"] for i, r in read_smart(args.data / "CISI.QRY").items()}
    rel = judgments(args.data / "CISI.REL")
    ids = sorted(docs)
    texts = [f"{docs[i]['T']} {docs[i]['A']} {docs[i]['W']}" for i in ids]
    tokens = [tokenize(t) for t in texts]

    okapi = BM25Okapi(tokens)
    ours = BM25Matrix.from_tokens(tokens)
    now = datetime.now(UTC)
    index = SearchIndex.build([
        PaperView(id=i, title=docs[i]["T"], authors=tuple(split_authors(docs[i]["A"].replace(";", " and "))),
                  venue=None, year=None, topics=(), link=None, summaries=(SummaryView("CISI.ALL", i, docs[i]["W"]),),
                  added_at=now)
        for i in ids])

    rows = [
        ("rank-bm25 BM25Okapi, one text", evaluate(
            lambda q: [ids[j] for j in np.argsort(-okapi.get_scores(tokenize(q)), kind="stable")[:10]], queries, rel)),
        ("project BM25 matrix, same text", evaluate(lambda q: [ids[j] for j in top_k(ours.scores(tokenize(q)), 10)],
                                                    queries, rel)),
        ("project /paper, fielded", evaluate(lambda q: [h.paper.id for h in index.paper(q, 10).hits], queries, rel)),
    ]
    judged = sum(1 for q in rel if q in queries)
    print(f"CISI: {len(ids):,} documents, {judged} judged queries; nDCG@10 (binary relevance)\n")
    print("| ranking | nDCG@10 | vs rank-bm25 |\n|---|---|---|")
    for name, score in rows:
        print(f"| {name} | {score:.4f} | {score - rows[0][1]:+.4f} |")


if __name__ == "__main__":
    main()
