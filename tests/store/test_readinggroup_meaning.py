"""/propose's closest discussed papers: by meaning when the index has it (from a cosine of CLOSE, the paper's own
vector first, then its title's), by the title's words when meaning is off (the index's `meaning` is None). The
same on the reading group's four papers through the real bot: tests/e2e/test_e2e_similar.py."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from store.readinggroup.discussions import CLOSE, closest_in_meaning
from store.search.results import Hit, PaperView, SearchResult

OFF = SearchResult(note="meaning is off")  # what similar/similar_text say with meaning off (never asked then)


def paper(pid: int, title: str) -> PaperView:
    return PaperView(pid, title, (), None, None, (), None, (), datetime(2026, 1, 1, tzinfo=UTC))


class Index:
    """The Searchable /propose reads: `by_paper` answers `similar` (None: no vector yet), `by_text` `similar_text`."""

    def __init__(self, by_paper: SearchResult | None, by_text: SearchResult, *, meaning: bool = True) -> None:
        self.papers = [paper(1, "Proposed"), paper(2, "Two"), paper(3, "Three")]
        self.meaning = object() if meaning else None
        self.by_paper, self.by_text = by_paper, by_text
        self.asked: list[tuple[str, object, int, list[int]]] = []

    def get(self, paper_id: int) -> PaperView | None:
        return next((p for p in self.papers if p.id == paper_id), None)

    def paper(self, query: str, limit: int = 10) -> SearchResult:
        return SearchResult([Hit(p, 1.0) for p in self.papers if p.title == query][:limit])

    def similar(self, paper_id: int, limit: int = 5, among: Collection[int] | None = None) -> SearchResult:
        self.asked.append(("similar", paper_id, limit, sorted(among or ())))
        return self.by_paper or SearchResult(note="no vector yet")

    def similar_text(self, text: str, limit: int = 5, among: Collection[int] | None = None) -> SearchResult:
        self.asked.append(("similar_text", text, limit, sorted(among or ())))
        return self.by_text


def ranked(*pairs: tuple[int, float]) -> SearchResult:
    return SearchResult([Hit(paper(pid, str(pid)), score, meaning=True) for pid, score in pairs])


def test_a_corpus_paper_by_its_own_vector_from_close_on() -> None:
    index = Index(ranked((3, 0.58), (2, CLOSE), (4, CLOSE - 0.01)), OFF)
    assert closest_in_meaning(index, "Proposed", None, {2, 3, 4}, 3) == [3, 2]  # found by its exact title
    assert index.asked == [("similar", 1, 3, [2, 3, 4])]
    assert closest_in_meaning(index, "Another title", 1, {2}, 3) == [3, 2]  # the id given is used as it is


def test_a_paper_without_a_vector_or_outside_the_corpus_goes_by_its_title() -> None:
    index = Index(None, ranked((2, 0.45)))
    assert closest_in_meaning(index, "Proposed", None, {2, 3}, 3) == [2]
    assert [a[0] for a in index.asked] == ["similar", "similar_text"]
    outside = Index(None, ranked((3, 0.41), (2, 0.1)))
    assert closest_in_meaning(outside, "A paper of my own", None, {2, 3}, 3) == [3]
    assert outside.asked == [("similar_text", "A paper of my own", 3, [2, 3])]


def test_meaning_off_is_none_so_words_decide() -> None:
    off = Index(OFF, OFF, meaning=False)
    assert closest_in_meaning(off, "Proposed", None, {2, 3}, 3) is None and off.asked == []


def test_meaning_on_with_nothing_close_is_nothing_not_words() -> None:
    index = Index(SearchResult(note="No paper here is close to it in meaning."), SearchResult(note="nothing close"))
    assert closest_in_meaning(index, "Proposed", None, {2, 3}, 3) == []
