"""Queries in the field's other spellings: acronyms and long forms, their weight, "why", /topic's
title tier and pseudo-relevance feedback, autocomplete, and the snapshot keeping it all."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from store.library import Library
from store.search import snapshot
from store.search.acronyms import Glossary, load_glossary
from store.search.index import SearchIndex
from store.search.results import Hit, PaperView, SummaryView

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def paper(i: int, title: str, summary: str = "", topics: tuple[str, ...] = ()) -> PaperView:
    return PaperView(id=i, title=title, authors=("Ada Lovelace",), venue=None, year=2020, topics=topics, link=None,
                     summaries=(SummaryView("notes.md", i, summary),) if summary else (), added_at=WHEN)


FILLER = [paper(100 + i, f"Filler study {w}", f"A note about {w} and other matters of {w}.")
          for i, w in enumerate(["kernels", "trees", "boosting", "clustering", "sampling", "priors", "graphs",
                                 "sparsity", "ranking", "retrieval", "hashing", "calibration"])]


def titles(hits: list[Hit]) -> list[str]:
    return [h.paper.title for h in hits]


def test_an_acronym_query_finds_papers_that_only_use_the_full_words() -> None:
    index = SearchIndex([
        paper(1, "Policy search for robots", "We study reinforcement learning for robot arms."),
        paper(2, "Sorting networks", "A note on sorting."),
        *FILLER,
    ])
    hits = index.paper("RL").hits
    assert titles(hits)[:1] == ["Policy search for robots"]
    assert "summary: RL → reinforcement learning" in hits[0].why_text()
    assert hits[0].to_json()["matches"][0] == {"term": "reinforcement learning", "field": "summary", "via": "RL"}


def test_a_query_typed_in_full_ranks_the_paper_using_the_full_words_first() -> None:
    index = SearchIndex([
        paper(1, "Agents that learn", "An RL method for games."),
        paper(2, "Agents that learn too", "A reinforcement learning method for games."),
        *FILLER,
    ])
    full = titles(index.paper("reinforcement learning").hits)
    assert full[:2] == ["Agents that learn too", "Agents that learn"]  # the acronym-only paper still found
    short = titles(index.paper("RL").hits)
    assert short[:2] == ["Agents that learn", "Agents that learn too"]


def test_an_expansion_counts_as_less_than_one_typed_word() -> None:
    """However many words a long form has, its group adds at most WEIGHT of one term."""
    index = SearchIndex([paper(1, "Models", "a long short-term memory network"), paper(2, "Models two", "an LSTM"),
                         *FILLER])
    q = index.read("LSTM")
    assert q.typed == ("lstm",) and len(q.groups) == 1
    weights = q.weighted()
    assert weights[0] == ("lstm", 1.0)
    assert abs(sum(w for _, w in weights[1:]) - q.groups[0].weight) < 1e-9 and q.groups[0].weight < 1.0
    assert {"long", "short", "term", "memori"} == {t for t, _ in weights[1:]}


def test_the_corpus_defines_its_own_acronyms() -> None:
    index = SearchIndex([
        paper(1, "Bellman smoothing", "Smoothed Bellman Error Embedding (SBEED) is a new algorithm."),
        paper(2, "Errors in embeddings", "We embed smoothed errors of Bellman operators."),
        *FILLER,
    ], Glossary({}))
    assert index.acronyms["sbeed"].longs[0].text == "smoothed bellman error embedding"
    q = index.read("sbeed")
    assert [g.shown for g in q.groups] == ["smoothed bellman error embedding"]
    assert titles(index.paper("SBEED").hits)[0] == "Bellman smoothing"


def test_plurals_and_lower_case_acronyms_meet() -> None:
    index = SearchIndex([paper(1, "Regularizing RNNs", "We regularize RNNs."), *FILLER])
    for query in ("RNN", "rnn", "RNNs", "rnns", "recurrent neural networks"):
        assert titles(index.paper(query).hits)[:1] == ["Regularizing RNNs"], query


def test_joined_and_split_words_meet() -> None:
    index = SearchIndex([paper(1, "Pretraining at scale", "Large pretraining runs."),
                         paper(2, "Fine tuning", "We fine tune models, then pre train them."), *FILLER])
    hits = index.paper("pre training").hits
    assert titles(hits)[:2] == ["Fine tuning", "Pretraining at scale"]  # the words as typed first
    assert "pre training → pretraining" in hits[1].why_text()
    assert "Fine tuning" in titles(index.paper("pretraining").hits)


def test_topic_label_named_by_either_form_and_autocomplete_offers_both() -> None:
    index = SearchIndex([
        paper(1, "Q-learning revisited", "value iteration", ("Reinforcement Learning",)),
        paper(2, "Image critics", "discriminators", ("GANs",)),
        *FILLER,
    ])
    assert titles(index.topic("RL").hits)[:1] == ["Q-learning revisited"]
    assert titles(index.topic("generative adversarial networks").hits)[:1] == ["Image critics"]
    assert "Reinforcement Learning" in index.complete_topic("RL")
    assert "Reinforcement Learning" in index.complete_topic("reinf")
    assert "GANs" in index.complete_topic("generative adv")
    assert "GANs" in index.complete_topic("gan")
    assert "GANs" not in index.complete_topic("reinf")


def test_topic_lists_papers_whose_title_names_the_topic_after_the_labelled_ones() -> None:
    index = SearchIndex([
        paper(1, "Labelled", "policies and rewards", ("Reinforcement Learning",)),
        paper(2, "Deep Reinforcement Learning for physics", "agents poke objects"),
        paper(3, "Notes", "an aside: RL, RL, RL and RL again, RL everywhere"),
        *FILLER,
    ])
    assert titles(index.topic("RL").hits)[:3] == ["Labelled", "Deep Reinforcement Learning for physics", "Notes"]
    scores = [h.score for h in index.topic("RL").hits]
    assert scores == sorted(scores, reverse=True)


def test_feedback_finds_a_paper_about_the_topic_in_other_words_and_not_junk() -> None:
    topic = ("Reinforcement Learning",)
    index = SearchIndex([
        paper(1, "Actor critic", "policy gradient with a learned critic and bellman targets", topic),
        paper(2, "Trust regions", "policy optimization with bellman backups and a critic", topic),
        paper(3, "Advantage estimates", "policy gradient variance and critic baselines"),  # never says RL
        paper(4, "Cooking", "a recipe with eggs"),
        *FILLER,
    ])
    hits = index.topic("RL").hits
    assert titles(hits)[:2] in (["Actor critic", "Trust regions"], ["Trust regions", "Actor critic"])
    assert "Advantage estimates" in titles(hits) and "Cooking" not in titles(hits)
    found = next(h for h in hits if h.paper.title == "Advantage estimates")
    assert "like the topic's papers:" in found.why_text() and any(m.related for m in found.why)


def test_a_narrow_topic_gets_no_feedback() -> None:
    """One paper is not a topic: its idiosyncratic words must not drag other papers in."""
    index = SearchIndex([paper(1, "Zebra striping", "zebras zebra stripes camouflage savanna"),
                         paper(2, "Savanna ecology", "camouflage on the savanna"), *FILLER])
    assert titles(index.topic("zebra").hits) == ["Zebra striping"]


words = st.sampled_from(["policy", "reward", "agent", "critic", "value", "bellman", "game", "atari", "robot",
                         "image", "pixel", "noise", "gradient", "network", "reinforcement", "learning", "RL"])


@settings(max_examples=40, deadline=None)
@given(docs=st.lists(st.tuples(st.lists(words, min_size=1, max_size=12), st.booleans()), min_size=1, max_size=25),
       limit=st.integers(1, 12))
def test_feedback_never_moves_a_labelled_paper(docs: list[tuple[list[str], bool]], limit: int) -> None:
    label = "Reinforcement Learning"
    papers = [paper(i, f"Paper {i} {ws[0]}", " ".join(ws), (label,) if labelled else ())
              for i, (ws, labelled) in enumerate(docs)]
    index = SearchIndex(papers)
    members = [i for i, (_, labelled) in enumerate(docs) if labelled]
    q = index.read("RL")
    raw = index._scores(q)
    expected = sorted(members, key=lambda i: (-raw[i], i))[:limit]
    hits = index.topic("RL", limit).hits
    assert [h.paper.id for h in hits[: len(expected)]] == expected
    assert all(h.paper.id not in members for h in hits[len(expected):])
    assert len({h.paper.id for h in hits}) == len(hits) <= limit


def test_snapshot_keeps_the_acronyms(tmp_path: Path) -> None:
    index = SearchIndex([paper(1, "Bellman smoothing", "Smoothed Bellman Error Embedding (SBEED) works."),
                         paper(2, "Policy search", "reinforcement learning for arms"), *FILLER])
    path = tmp_path / "index.snapshot"
    snapshot.save(index, path, "v1")
    loaded = snapshot.load(path, "v1")
    assert loaded is not None
    assert loaded.acronyms == index.acronyms and loaded.glossary_fingerprint == load_glossary().fingerprint
    for query in ("SBEED", "RL", "reinforcement learning"):
        assert [(h.paper.id, h.score, h.why) for h in loaded.paper(query).hits] == [
            (h.paper.id, h.score, h.why) for h in index.paper(query).hits]
    assert loaded.complete_topic("rl") == index.complete_topic("rl")


async def test_a_changed_corpus_glossary_rebuilds_the_snapshot(database_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\ntitle: Learning to hold a cup\nauthors: Ada Lovelace\n---\n"
                                 "Robot learning for grasping.\n", encoding="utf-8")
    first = Library(database_url, corpus)
    await first.start()
    assert not (await first.search.paper("RBL")).hits
    await first.close()
    (corpus / "glossary.tsv").write_text("RBL\trobot learning\n", encoding="utf-8")
    second = Library(database_url, corpus)
    await second.start()
    assert second.live.index_source == "rebuilt"  # the glossary changed: the snapshot is not used
    hits = (await second.search.paper("RBL")).hits
    assert [h.paper.title for h in hits] == ["Learning to hold a cup"]
    assert "RBL → robot learning" in hits[0].why_text()
    report = await second.ingest([corpus])
    assert all(not f.source.endswith(".tsv") for f in report.files)  # the glossary is not a document
    await second.close()


async def test_seed_examples(seeded_library: Library) -> None:
    """The issue's examples on the bundled seeds, against the development judgments."""
    judged = json.loads((Path(__file__).parent.parent / "data" / "dev-queries.json").read_text(encoding="utf-8"))
    relevant = {q["query"]: set(q["relevant"]) for q in judged["topic"]}
    for query, at_least in (("RL", 5), ("GANs", 8), ("recurrent neural networks", 6)):
        found = {h.paper.title for h in (await seeded_library.search.topic(query, 10)).hits}
        assert len(found & relevant[query]) >= at_least, query
    lstm = (await seeded_library.search.paper("LSTM", 10)).hits
    assert lstm[0].paper.title == "Automatic Rule Extraction from Long Short Term Memory Networks"
    assert "LSTM → long short-term memory" in lstm[0].why_text()
