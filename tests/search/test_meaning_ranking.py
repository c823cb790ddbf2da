"""Meaning in the rankings on the seeds (store/search/meaning/ranking.py): off is exactly today's, /topic's mix,
/paper's tie-break, /ask untouched, rows not known yet, and what a hit placed by meaning says."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import numpy as np
import pytest

from store.search.index import SearchIndex
from store.search.meaning import model as meaning_model
from store.search.meaning import ranking
from store.search.meaning.attach import embed_all
from store.search.meaning.fusion import linear
from store.search.meaning.vectors import quantise
from store.search.results import MEANING_LIFTED, MEANING_ONLY, Hit, PaperView, SummaryView
from tests.search.meaning_seeds import JUDGMENTS, answers, digest

# Each command's answers on the seeds (every development query; /ask also four questions) as made by the code
# before meaning existed (commit 8183c5e; its /topic "why" listing the topic's words in the feedback's order,
# as why.py now does: a set's order changed between runs). A deliberate change to BM25's rankings changes these.
TODAY = {"paper": "0baf7e7a46fd5bb9", "author": "bd63dc9c6ac19050", "topic": "b9e0da177c5d1bcb",
         "ask": "a937b24905d7eb74"}


@pytest.fixture
def index(seeded_library) -> SearchIndex:
    return seeded_library.index


@pytest.fixture
def meant(index: SearchIndex) -> SearchIndex:
    """The seeds' index with every paper embedded (a copy: the library's own stays off)."""
    on = copy.copy(index)
    embed_all(on)
    return on


def titles(hits: list[Hit]) -> list[str]:
    return [h.paper.title for h in hits]


def test_off_is_todays_answers_on_every_command(index: SearchIndex) -> None:
    assert index.meaning is None and index.meaning_known is None
    assert digest(index) == TODAY


def test_off_never_calls_meaning(index: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("meaning consulted while off")

    for name in ("topic", "tie_break", "embedded"):
        monkeypatch.setattr(ranking, name, refuse)
    answers(index)


def test_embedding_leaves_the_index_it_copied_as_it_was(index: SearchIndex, meant: SearchIndex) -> None:
    before = digest(index)
    assert meant.meaning is not None and index.meaning is None
    assert digest(index) == before == TODAY
    again = copy.copy(meant)
    again.meaning = again.meaning_known = None
    assert digest(again) == TODAY


def test_embed_all_fills_one_known_row_per_paper(meant: SearchIndex) -> None:
    assert meant.meaning is not None and meant.meaning_known is not None
    assert meant.meaning.codes.shape == (len(meant.papers), meaning_model.DIMS)
    assert meant.meaning.codes.dtype == np.int8 and meant.meaning_known.all()
    own = meaning_model.embed([ranking.query_text("x", meant.read("x"))])  # any text: a unit vector
    assert abs(float(np.linalg.norm(own)) - 1.0) < 1e-5


def test_topic_rl_mixes_meaning_in_below_the_labelled_paper(index: SearchIndex, meant: SearchIndex,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranking, "SCAN", True)  # cosine's own candidates too, from every vector
    today, fused = index.topic("RL").hits, meant.topic("RL").hits
    assert titles(fused) == [
        "SBEED: Convergent Reinforcement Learning with Nonlinear Function Approximation",
        "Playing the lottery with rewards and multiple languages: lottery tickets in RL and NLP",
        "Reinforcement Learning with Unsupervised Auxiliary Tasks",
        "Learning to Perform Physics Experiments via Deep Reinforcement Learning",
        "Tighter bounds lead to improved classifiers",
        "PGQ: Combining policy gradient and Q-learning",
        "Dynamic Capacity Networks",
        "Gradient-based Hyperparameter Optimization through Reversible Learning",
        "Q-Prop: Sample-Efficient Policy Gradient with An Off-Policy Critic",
        "Learning to Navigate in Complex Environments",
    ]
    assert [h.meaning for h in fused] == [False] * 5 + [True, False, True, True, False]
    assert {h.paper.title for h in fused if h.meaning} == set(titles(fused)) - set(titles(today))
    assert titles(fused)[0] == titles(today)[0]  # the one labelled "Reinforcement Learning": first, as today
    assert [round(h.score, 4) for h in fused] == [2.0, 0.5519, 0.445, 0.3889, 0.2282, 0.072, 0.0665, 0.0623,
                                                   0.0613, 0.0572]


def test_topic_rl_over_bm25s_candidates(index: SearchIndex, meant: SearchIndex) -> None:
    """The bot's /topic: meaning reorders BM25's DEPTH candidates and brings in no paper BM25 did not find."""
    today, deep, fused = index.topic("RL").hits, index.topic("RL", ranking.DEPTH).hits, meant.topic("RL").hits
    assert set(titles(fused)) <= set(titles(deep))
    assert titles(fused)[0] == titles(today)[0]
    assert {h.paper.title for h in fused if h.meaning} == set(titles(fused)) - set(titles(today))
    assert titles(fused)[5:] == ["PGQ: Combining policy gradient and Q-learning", "Dynamic Capacity Networks",
                                 "Gradient-based Hyperparameter Optimization through Reversible Learning",
                                 "Learning to Navigate in Complex Environments", "Conditional Neural Processes"]
    assert [h.meaning for h in fused] == [False] * 5 + [True, False, True, False, True]
    assert [round(h.score, 4) for h in fused] == [2.0, 0.5471, 0.4403, 0.386, 0.2236, 0.0699, 0.0628, 0.0595,
                                                   0.0514, 0.0483]


def test_a_hit_placed_by_meaning_says_so(meant: SearchIndex) -> None:
    hits = meant.topic("RL").hits
    pgq = hits[5]
    assert pgq.meaning and pgq.why == () and pgq.why_text() == MEANING_ONLY
    assert pgq.why_text() == "by meaning: close in sense, not by shared words"
    assert pgq.to_json()["meaning"] is True and pgq.to_json()["why"] == MEANING_ONLY
    assert all("meaning" not in h.to_json() for h in hits if not h.meaning)
    lifted = next(h for h in meant.topic("generative models").hits if h.meaning)
    assert lifted.paper.title == "Deep Unsupervised Learning using Nonequilibrium Thermodynamics"
    assert lifted.why_text() == ("summary: generative, models; like the topic's papers: evaluation, otherwise, "
                                 "intractable, easy; " + MEANING_LIFTED)
    assert MEANING_LIFTED == "lifted by meaning: close in sense, the words alone rank it lower"


def test_topic_recall_on_the_development_judgments(index: SearchIndex, meant: SearchIndex) -> None:
    def recall(ix: SearchIndex) -> float:
        found = [len(set(titles(ix.topic(q["query"]).hits)) & set(q["relevant"])) / len(q["relevant"])
                 for q in JUDGMENTS["topic"]]
        return round(sum(found) / len(found), 3)

    assert (recall(index), recall(meant)) == (0.863, 0.882)  # meaning over BM25's candidates, as the bot ranks
    ranking.SCAN = True
    try:
        assert recall(meant) == 0.904  # also scanning every vector: more found, ten times the cost
    finally:
        ranking.SCAN = False


def test_labelled_papers_stay_first_in_bm25s_order(index: SearchIndex, meant: SearchIndex) -> None:
    for query in ("GANs", "RL", "reinforcement learning", "adversarial examples"):
        keys = index._labels_for(index.read(query))
        members = {int(i) for k in keys for i in index.topic_papers[k]}
        today = [h for h in index.topic(query, 50).hits if index.papers.position(h.paper.id) in members]
        fused = meant.topic(query, len(today)).hits
        assert titles(fused) == titles(today)
        assert not any(h.meaning for h in fused)


def test_a_row_not_known_gets_no_meaning_share(meant: SearchIndex) -> None:
    # PGQ came from meaning alone: without its vector it is no candidate at all.
    pgq = meant.papers.position(next(h.paper.id for h in meant.topic("RL").hits if h.paper.title.startswith("PGQ")))
    assert meant.meaning_known is not None
    meant.meaning_known = meant.meaning_known.copy()
    meant.meaning_known[pgq] = False
    assert not any(h.paper.title.startswith("PGQ") for h in meant.topic("RL", 20).hits)
    # In the mix, an unknown id's cosine side is its own BM25 value: neither lifted nor sunk.
    bm25, cosine = {1: 10.0, 2: 6.0, 3: 2.0}, {1: 0.1, 3: 0.9, 4: 0.5}
    assert dict(linear(bm25, cosine, 0.9, unknown=[2])) == pytest.approx({1: 0.9, 2: 0.5, 3: 0.1, 4: 0.05})
    assert dict(linear(bm25, cosine, 0.9)) == pytest.approx({1: 0.9, 2: 0.45, 3: 0.1, 4: 0.05})


def test_ask_stays_bm25(index: SearchIndex, meant: SearchIndex) -> None:
    asked = ["how do GANs avoid mode collapse?", "which attacks transfer between models?", "RL"]
    assert [x.to_json() for q in asked for x in meant.ask(q).hits] == [
        x.to_json() for q in asked for x in index.ask(q).hits]


def test_paper_ties_are_ordered_by_meaning_and_nothing_else(index: SearchIndex, meant: SearchIndex) -> None:
    for query in [q["query"] for q in JUDGMENTS["paper"]] + ["learning", "networks", "adversarial"]:
        today, fused = index.paper(query, 10).hits, meant.paper(query, 10).hits
        assert [h.score for h in fused] == [h.score for h in today]
        for a, b in zip(today, fused, strict=True):
            if a.paper.id != b.paper.id:  # only within a tie
                assert a.score == b.score
    learning = [h for h in meant.paper("learning", 10).hits if h.score == meant.paper("learning", 10).hits[2].score]
    assert len(learning) == 5
    q = meant.read("learning")
    vector = meaning_model.embed([ranking.query_text("learning", q)])[0]
    assert meant.meaning is not None
    cos = [float(meant.meaning.vectors([meant.papers.position(h.paper.id)])[0] @ vector) for h in learning]
    assert cos == sorted(cos, reverse=True)


def _paper(pid: int, title: str, summary: str = "") -> PaperView:
    return PaperView(id=pid, title=title, authors=("A. Writer",), venue=None, year=2020, topics=(), link=None,
                     summaries=(SummaryView("notes.md", pid, summary),), added_at=datetime(2024, 1, 1, tzinfo=UTC))


def test_paper_tie_break_exactly() -> None:
    """Three titles the query scores alike: today by position; with meaning, the one whose vector is the query's
    own first, the unknown one last, and only a tie reaching the first `limit` is looked at."""
    index = SearchIndex.build([_paper(1, "Sparse coding of images"), _paper(2, "Sparse coding of sounds"),
                               _paper(3, "Sparse coding of words"), _paper(4, "Dense layers")])
    today = index.paper("sparse coding")
    assert [h.paper.id for h in today.hits] == [1, 2, 3] and len({h.score for h in today.hits}) == 1
    query = meaning_model.embed([ranking.query_text("sparse coding", index.read("sparse coding"))])[0]
    other = meaning_model.embed(["Dense layers"])[0]
    index.meaning = quantise(np.stack([-query, other, query, other]))
    index.meaning_known = np.array([False, True, True, True])
    hits = index.paper("sparse coding").hits
    assert [h.paper.id for h in hits] == [3, 2, 1]
    assert [h.meaning for h in hits] == [False, False, False]  # the same three: none placed by meaning
    assert [h.paper.id for h in index.paper("sparse coding", 1).hits] == [3]
    assert index.paper("sparse coding", 1).hits[0].meaning  # in the first one only by meaning
    assert json.dumps(index.paper("sparse coding", 1).hits[0].to_json()["meaning"]) == "true"
