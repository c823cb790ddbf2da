"""Search behaviour on the real seeds: tokenisation, names, topics, passages, explanations, near misses."""

from __future__ import annotations

import pytest

from store.library import Library
from store.search.sentences import split_sentences
from store.text.tokenize import tokenize


@pytest.fixture
def library(seeded_library):
    return seeded_library


def test_tokenizer_folds_stems_drops_stop_words_and_splits_hyphens() -> None:
    assert tokenize("The Networks are LEARNING") == ["network", "learn"]
    assert tokenize("Aäron") == tokenize("aaron")
    ood = tokenize("out-of-distribution")
    assert {"distribut", "outofdistribut"} <= set(ood) and "of" not in ood
    assert {"10000", "layer"} <= set(tokenize("10,000-layer")) and tokenize("10,000") == ["10000"]
    assert tokenize("self-attention") and set(tokenize("self attention")) <= set(tokenize("self-attention"))
    assert tokenize("the of and") == [] and tokenize("?!… --") == []


@pytest.mark.parametrize("query", ["Bengio", "Yoshua Bengio", "Bengio, Yoshua", "Y. Bengio", "y bengio",
                                   "YOSHUA BENGIO"])
async def test_author_forms_find_exactly_bengios_papers(library: Library, query: str) -> None:
    titles = {h.paper.title for h in (await library.search.author(query, 50)).hits}
    expected = {p.title for p in library.catalog if any(a.split()[-1] == "Bengio" for a in p.authors)}
    assert titles == expected and len(expected) >= 2


async def test_author_accents_hyphens_and_particles(library: Library) -> None:
    oord = {h.paper.title for h in (await library.search.author("Aaron van den Oord")).hits}
    assert oord == {p.title for p in library.catalog if "Aäron van den Oord" in p.authors}
    assert oord == {h.paper.title for h in (await library.search.author("Oord")).hits}
    jascha = {h.paper.title for h in (await library.search.author("Sohl Dickstein")).hits}
    assert jascha == {p.title for p in library.catalog if any("Sohl-Dickstein" in a for a in p.authors)}
    assert len(jascha) == 2  # ShortScience "Sohl-Dickstein, Jascha" and the ICML 2018 list


async def test_author_never_pads_with_other_people(library: Library) -> None:
    wrong_first = await library.search.author("Yann Bengio")
    assert not wrong_first.hits
    missing = await library.search.author("Bengoi")
    assert not missing.hits and any("Bengio" in s for s in missing.suggestions)


async def test_every_hit_says_why(library: Library) -> None:
    hit = (await library.search.paper("lottery ticket")).hits[0]
    assert "Lottery Ticket" in hit.paper.title
    fields = {(m.term, m.field) for m in hit.why}
    assert ("lottery", "title") in fields and ("ticket", "title") in fields
    assert "title: lottery, ticket" in hit.why_text()


async def test_meaningless_query_gets_a_note_and_near_miss_gets_suggestions(library: Library) -> None:
    for q in ("", "the of and", "?!"):
        result = await library.search.paper(q)
        assert not result.hits and result.note
    near = await library.search.paper("lotery tiket hypotesis")
    if not near.hits:
        assert any("Lottery Ticket" in s for s in near.suggestions)


async def test_topic_labels_come_first(library: Library) -> None:
    labelled = {p.title for p in library.catalog if "Reinforcement Learning" in p.topics}
    assert labelled
    hits = (await library.search.topic("reinforcement learning", 20)).hits
    assert {h.paper.title for h in hits[: len(labelled)]} == labelled
    assert "Reinforcement Learning" in library.search.complete_topic("rein")


async def test_ask_returns_sentences_with_their_papers(library: Library) -> None:
    result = await library.search.ask("how should generative models be evaluated?")
    assert result.hits
    for hit in result.hits:
        assert hit.passage and hit.passage in " ".join(hit.paper.summary.split())
    assert len({h.paper.id for h in result.hits}) == len(result.hits)  # one passage per paper


async def test_autocomplete_names(library: Library) -> None:
    assert "Yoshua Bengio" in library.search.complete_author("beng")
    assert "Yoshua Bengio" in library.search.complete_author("Yosh")
    assert len(library.search.complete_author("")) == 25


async def test_sentences_hold_exactly_the_words_of_the_summary(library: Library) -> None:
    """/ask scores sentences and explains its hits from their terms: none may be lost or invented."""
    for paper in library.catalog:
        sentences = split_sentences(paper.summary)
        assert [t for s in sentences for t in tokenize(s.text)] == tokenize(paper.summary), paper.title


async def test_ask_explains_its_hits_as_paper_does(library: Library) -> None:
    query = "how should generative models be evaluated?"
    result = await library.search.ask(query)
    assert result.hits
    index = library.index
    for hit in result.hits:
        assert hit.why == index._why(hit.paper, query)
        assert any(m.field == "summary" for m in hit.why)
