"""A realistic synthetic corpus for benchmarks, built from the bundled seeds' own vocabulary.

Titles, authors, topics and abstract-sized summaries are recombined from what the seed documents
contain (word frequencies included), deterministically, and written as arXiv-shaped JSON Lines: the
project's bulk-import format, so the benchmark ingests through the same code path as a real import.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from itertools import accumulate
from pathlib import Path

from store.ingest import parse_file
from store.library import BUNDLED_SEEDS

CATEGORIES = ["cs.LG", "cs.AI", "cs.CV", "cs.CL", "cs.NE", "stat.ML", "cs.RO", "cs.IR"]


def seed_material() -> tuple[list[str], list[int], list[str], list[str], list[str]]:
    records = [r for f in sorted(BUNDLED_SEEDS.glob("*.txt")) for r in parse_file(f, f.name).records]
    words = Counter(w for r in records for w in r.summary.split() if w.isalpha() and len(w) > 1)
    title_words = [w for r in records for w in r.title.split() if w[:1].isalpha()]
    firsts = [a.split()[0] for r in records for a in r.authors if len(a.split()) > 1]
    lasts = [a.split()[-1] for r in records for a in r.authors if len(a.split()) > 1]
    vocab, counts = zip(*words.most_common(), strict=True)
    return list(vocab), list(counts), title_words, firsts, lasts


def _abstract(rng: random.Random, vocab: list[str], cum_counts: list[int]) -> str:
    """110 to 200 words in sentences of 10 to 28 words, as abstracts are written.

    The cumulative counts are summed once for the corpus: `choices` given the counts themselves sums them
    at every call, the same draws, several times slower (a million papers' generation took minutes)."""
    target, out, n = rng.randint(110, 200), [], 0
    while n < target:
        sentence = rng.choices(vocab, cum_weights=cum_counts, k=min(rng.randint(10, 28), target - n + 3))
        out.append(" ".join([sentence[0].capitalize(), *sentence[1:]]) + ".")
        n += len(sentence)
    return " ".join(out)


def generate(n: int, folder: Path, seed: int = 1234, per_file: int = 25_000) -> list[dict]:
    rng = random.Random(seed)
    vocab, counts, title_words, firsts, lasts = seed_material()
    cum_counts = list(accumulate(counts))
    out: list[dict] = []
    for i in range(n):
        title = " ".join(rng.choice(title_words) for _ in range(rng.randint(4, 10))).strip(":,.")
        authors = ", ".join(f"{rng.choice(firsts)} {rng.choice(lasts)}" for _ in range(rng.randint(1, 8)))
        abstract = _abstract(rng, vocab, cum_counts)
        out.append({"id": f"{1000 + i // 100000}.{i % 100000:05d}", "title": f"{title} {i}", "authors": authors,
                    "abstract": abstract, "categories": " ".join(rng.sample(CATEGORIES, rng.randint(1, 3)))})
    folder.mkdir(parents=True, exist_ok=True)
    for start in range(0, n, per_file):
        with (folder / f"bulk-{start // per_file:03d}.jsonl").open("w", encoding="utf-8") as fh:
            for rec in out[start:start + per_file]:
                fh.write(json.dumps(rec) + "\n")
    return out


def queries(records: list[dict], n: int, seed: int = 99) -> dict[str, list[str]]:
    rng = random.Random(seed)
    sample = rng.sample(records, min(n, len(records)))
    return {
        "paper": [" ".join(r["title"].split()[1:4]) for r in sample],
        "topic": [rng.choice(["machine learning", "computer vision", "neural and evolutionary computing",
                              "robotics", "information retrieval"]) for _ in sample],
        "ask": [f"how does {' '.join(r['abstract'].split()[5:9])} work?" for r in sample],
        "author": [r["authors"].split(",")[0].split()[-1] for r in sample],
        "complete_author": [r["authors"].split(",")[0][:4] for r in sample],
        "complete_topic": [rng.choice(["mach", "comp", "neur", "rob", "inf"]) for _ in sample],
    }
