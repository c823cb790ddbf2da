"""Papers like this one (`SearchIndex.similar`, `similar_text`, `SearchService.similar`): on the seeds, the pairs
written down beforehand, stable, `among` respected, the paper itself never returned, and a helpful note
when meaning is off, the paper unknown or its vector not read yet."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import pytest

from store.search.index import SearchIndex
from store.search.meaning import ranking
from store.search.meaning.attach import embed_all
from store.search.meaning.vectors import Quantised, paper_text
from store.search.overlay import OverlayIndex
from store.search.results import MEANING_ONLY, PaperView
from store.search.service import SearchService
from tests.search.meaning_seeds import HELD, TOP, UNLIKE


@pytest.fixture
def meant(seeded_library) -> SearchIndex:
    on = copy.copy(seeded_library.index)
    embed_all(on)
    return on


def paper_id(index: SearchIndex, title: str) -> int:
    return next(p.id for p in index.papers if p.title == title)


def like(index: SearchIndex, title: str, limit: int = TOP, among=None) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.paper.title for h in index.similar(paper_id(index, title), limit, among).hits]


def test_the_pairs_written_down_hold(meant: SearchIndex) -> None:
    for a, b in HELD:
        assert b in like(meant, a)
    for a, b in UNLIKE:
        assert b not in like(meant, a)


def test_exact_neighbours_of_two_papers(meant: SearchIndex) -> None:
    hits = meant.similar(paper_id(meant, "Q-Prop: Sample-Efficient Policy Gradient with An Off-Policy Critic"), 3).hits
    assert hits[0].paper.title == "PGQ: Combining policy gradient and Q-learning"
    assert all(h.meaning and h.why == () and h.why_text() == MEANING_ONLY for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert like(meant, "Neural Program Lattices", 1) == [
        "Making Neural Programming Architectures Generalize via Recursion"]


def test_stable_and_never_the_paper_itself(meant: SearchIndex, seeded_library) -> None:  # type: ignore[no-untyped-def]
    again = copy.copy(seeded_library.index)
    embed_all(again)
    for p in meant.papers:
        found = [h.paper.id for h in meant.similar(p.id, 10).hits]
        assert p.id not in found and len(found) == 10
        assert found == [h.paper.id for h in again.similar(p.id, 10).hits] == [
            h.paper.id for h in meant.similar(p.id, 10).hits]


def test_among_is_respected(meant: SearchIndex) -> None:
    title = "Trust Region Policy Optimization"
    everyone = meant.similar(paper_id(meant, title), len(meant.papers)).hits
    among = {h.paper.id for h in everyone[::3]} | {paper_id(meant, title), 10**9}  # itself and an unknown id
    hits = meant.similar(paper_id(meant, title), 4, among).hits
    assert [h.paper.id for h in hits] == [h.paper.id for h in everyone if h.paper.id in among][:4]
    assert [h.score for h in hits] == pytest.approx([h.score for h in everyone if h.paper.id in among][:4])
    assert meant.similar(paper_id(meant, title), 4, []).note == ranking.NOTHING_CLOSE


def test_similar_text(meant: SearchIndex) -> None:
    hits = meant.similar_text("policy gradient methods for reinforcement learning agents", 5).hits
    assert len(hits) == 5 and all(h.meaning for h in hits)
    trpo = next(p for p in meant.papers if p.title == "Trust Region Policy Optimization")
    own = paper_text(trpo.title, trpo.topics, trpo.summary)  # the text its vector was made of: itself first
    assert meant.similar_text(own, 1).hits[0].paper.title == "Trust Region Policy Optimization"
    among = [paper_id(meant, "Neural Program Lattices"), paper_id(meant, "Adversarial Feature Learning")]
    # Only papers with a positive cosine are close: the GAN paper is not, though `among` names it.
    assert [h.paper.title for h in meant.similar_text("programs and recursion", 5, among).hits] == [
        "Neural Program Lattices"]
    assert meant.similar_text("   ").note == ranking.NO_TEXT


def test_notes(seeded_library, meant: SearchIndex) -> None:  # type: ignore[no-untyped-def]
    off = seeded_library.index
    some = off.papers[0].id
    assert off.similar(some).note == ranking.OFF and off.similar(some).hits == []
    assert off.similar_text("anything").note == ranking.OFF
    assert "off here (MEANING=off)" in ranking.OFF
    assert meant.similar(10**9).note == ranking.NO_PAPER
    assert meant.meaning_known is not None
    meant.meaning_known = meant.meaning_known.copy()
    meant.meaning_known[0] = False
    assert meant.similar(some).note == ranking.NOT_YET
    assert all(h.paper.id != some for q in meant.papers[1:6] for h in meant.similar(q.id, 93).hits)


def test_an_overlays_changed_paper_and_hidden_copy(meant: SearchIndex) -> None:
    first = meant.papers[0]
    changed = PaperView(first.id, "Policy gradient with a trust region", first.authors, first.venue, first.year,
                        first.topics, first.link, (), first.added_at)
    overlay = OverlayIndex(meant, {first.id: changed})
    embed_all(overlay)
    assert overlay.meaning is not None and overlay.meaning_known is not None
    assert not overlay.meaning_known[0] and overlay.meaning_known[len(meant.papers)]
    found = overlay.similar(first.id, 5).hits
    assert [h.paper.title for h in found][:2] == ["Q-Prop: Sample-Efficient Policy Gradient with An Off-Policy Critic",
                                                  "PGQ: Combining policy gradient and Q-learning"]
    assert all(h.paper.id != first.id for q in overlay.papers[1:4] for h in overlay.similar(q.id, 93).hits
               if h.paper.title != changed.title)
    near = overlay.similar_text(changed.title, 1).hits
    assert near[0].paper is changed
    # The base's rows taken as they are (the old copy's vector kept, every row called known): still never shown.
    assert meant.meaning is not None
    overlay.meaning = Quantised.concat([meant.meaning, overlay.meaning.take([len(meant.papers)])])
    overlay.meaning_known = np.ones(len(overlay.papers), dtype=bool)
    old = paper_text(first.title, first.topics, first.summary)
    assert all(h.paper is changed for h in overlay.similar_text(old, 93).hits if h.paper.id == first.id)
    assert all(h.paper is changed for h in overlay.topic(first.title, 30).hits if h.paper.id == first.id)


async def test_the_service_answers_off_the_event_loop(meant: SearchIndex) -> None:
    service = SearchService(SimpleNamespace(index=meant))  # type: ignore[arg-type]
    title = "Q-Prop: Sample-Efficient Policy Gradient with An Off-Policy Critic"
    assert [h.paper.title for h in (await service.similar(paper_id(meant, title), 1)).hits] == [
        "PGQ: Combining policy gradient and Q-learning"]
    text = await service.similar_text("recurrent networks regularised by zoneout", 2, None)
    assert len(text.hits) == 2
    assert (await service.similar(10**9)).note == ranking.NO_PAPER
    assert np.isfinite([h.score for h in text.hits]).all()
