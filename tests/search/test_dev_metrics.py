"""Ranking quality on the seeds, measured with the group's development judgments.

MRR for /paper, exact-set F1 for /author, recall@10 for /topic. These are a development set: the
product is judged on other queries of the same kinds, so the method is tuned, never these answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store.library import Library

JUDGMENTS = json.loads((Path(__file__).parent.parent / "data" / "dev-queries.json").read_text(encoding="utf-8"))


@pytest.fixture
def library(seeded_library):
    return seeded_library


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    return next((1.0 / r for r, title in enumerate(ranked, 1) if title in relevant), 0.0)


def f1(found: set[str], relevant: set[str]) -> float:
    if not found or not relevant:
        return float(found == relevant)
    tp = len(found & relevant)
    return 0.0 if tp == 0 else 2 * tp / (len(found) + len(relevant))


async def test_every_judged_paper_is_in_the_corpus(library: Library) -> None:
    titles = {p.title for p in library.catalog}
    for kind in ("paper", "author", "topic"):
        for judged in JUDGMENTS[kind]:
            assert set(judged["relevant"]) <= titles, (kind, judged["query"])


async def test_paper_mrr(library: Library) -> None:
    rrs = []
    for judged in JUDGMENTS["paper"]:
        result = await library.search.paper(judged["query"], 10)
        rrs.append(reciprocal_rank([h.paper.title for h in result.hits], set(judged["relevant"])))
    mrr = sum(rrs) / len(rrs)
    print(f"/paper MRR = {mrr:.3f} over {len(rrs)} queries")
    assert mrr >= 0.95


async def test_author_exact_set_f1(library: Library) -> None:
    scores = []
    for judged in JUDGMENTS["author"]:
        result = await library.search.author(judged["query"], 100)
        scores.append(f1({h.paper.title for h in result.hits}, set(judged["relevant"])))
    mean = sum(scores) / len(scores)
    print(f"/author F1 = {mean:.3f} over {len(scores)} queries")
    assert mean == 1.0


async def test_topic_recall_at_10(library: Library) -> None:
    recalls = []
    for judged in JUDGMENTS["topic"]:
        result = await library.search.topic(judged["query"], 10)
        relevant = set(judged["relevant"])
        recalls.append(len({h.paper.title for h in result.hits} & relevant) / len(relevant))
    mean = sum(recalls) / len(recalls)
    print(f"/topic recall@10 = {mean:.3f} over {len(recalls)} queries")
    assert mean >= 0.85
