"""Papers like this one on every face: the MEANING setting, which paper a member means, the words each face
says, the "Papers like this one" buttons under results, the console's /similar and `paperbot similar`.

Through the local Discord: tests/e2e/test_e2e_similar.py.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli_library import new_library, ready
from bot.config import ConfigError, Settings
from bot.console import answer
from bot.render import nothing_similar, similar_header
from bot.settings_report import _shown
from bot.similar import Likeness, papers_like
from bot.text import render_likeness
from bot.views import SIMILAR, ResultsView, lasting
from store.library import Library
from store.search.results import Hit, Match, PaperView, SearchResult, SummaryView
from tests.cli import run
from tests.search.meaning_seeds import LIKE_LOTTERY, LOTTERY

LIKE_FIVE = LIKE_LOTTERY[:5]  # the console and the CLI show five
OFF = "meaning is off here (MEANING=off)"


def paper(pid: int, title: str) -> PaperView:
    return PaperView(pid, title, ("Ada Lovelace",), None, 2019, (), None, (SummaryView("a.md", 1, "About it."),),
                     datetime(2026, 1, 1, tzinfo=UTC))


class Searches:
    """SearchService as /similar uses it, over three papers; `similar` answers with the two others."""

    def __init__(self, note: str | None = None) -> None:
        self.papers = {1: paper(1, "Quokka Gradients"), 2: paper(2, "Wombat Tunnels"), 3: paper(3, "Numbat Nets")}
        self.note = note
        self.asked: list[tuple[str, object]] = []

    def get(self, paper_id: int) -> PaperView | None:
        return self.papers.get(paper_id)

    async def paper(self, query: str, limit: int = 10) -> SearchResult:
        self.asked.append(("paper", query))
        found = [p for p in self.papers.values() if query.lower() in p.title.lower()]
        return SearchResult([Hit(p, 1.0) for p in found][:limit], suggestions=["Quokka Gradients"])

    async def similar(self, paper_id: int, limit: int = 5) -> SearchResult:
        self.asked.append(("similar", paper_id))
        if self.note:
            return SearchResult(note=self.note)
        return SearchResult([Hit(p, 0.5, meaning=True) for pid, p in self.papers.items() if pid != paper_id][:limit])


# --- the setting ---

@pytest.mark.parametrize(("raw", "on"), [("on", True), ("off", False), ("OFF", False), (" On ", True), ("", True)])
def test_meaning_is_on_or_off(raw: str, on: bool) -> None:
    assert Settings.from_env({"MEANING": raw}).meaning is on
    assert Settings().meaning is True  # the default: meaning beside BM25


@pytest.mark.parametrize("raw", ["yes", "1", "true", "maybe", "of"])
def test_a_meaning_that_is_not_on_or_off_is_one_line_naming_it(raw: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"MEANING": raw})
    assert str(info.value) == f"MEANING: expected on or off, got {raw!r}"


def test_the_env_example_lists_meaning_on_and_config_shows_it_as_written() -> None:
    example = (Path(__file__).resolve().parent.parent.parent / ".env.example").read_text(encoding="utf-8")
    assert "\nMEANING=on\n" in example
    assert (_shown("MEANING", True), _shown("MEANING", False)) == ("on", "off")


# --- which paper, and what each face says ---

async def test_a_number_is_the_paper_and_words_are_the_best_paper_match() -> None:
    search = Searches()
    by_number = await papers_like(search, " 2 ", 5)
    assert by_number.paper == search.papers[2] and search.asked == [("similar", 2)]
    assert [h.paper.id for h in by_number.result.hits] == [1, 3]
    by_words = await papers_like(search, "numbat", 1)
    assert by_words.paper == search.papers[3] and search.asked[1:] == [("paper", "numbat"), ("similar", 3)]
    assert [h.paper.id for h in by_words.result.hits] == [1]
    unknown_number = await papers_like(search, "42", 5)  # no paper 42: the digits are searched as words
    assert unknown_number.paper is None and search.asked[-1] == ("paper", "42")
    long_digits = await papers_like(search, "9" * 30, 5)  # past a 64-bit id: words, never an overflow
    assert long_digits.paper is None and search.asked[-1] == ("paper", "9" * 30)
    gone = await papers_like(search, "42", 5, number_only=True)  # a button's paper, removed since
    assert gone.paper is None and gone.result.note == "That paper is no longer in the index."
    assert nothing_similar(gone, "42") == "That paper is no longer in the index."
    assert search.asked[-1] == ("paper", "9" * 30)  # nothing asked: the digits are not searched as words


async def test_what_discord_and_the_terminal_say() -> None:
    search = Searches()
    found = await papers_like(search, "1", 5)
    assert similar_header(found) == ("2 papers like “Quokka Gradients”, by meaning (what the summaries are about, "
                                     "not their words)")
    text = render_likeness(found, "1")
    assert text.splitlines()[:4] == ["Papers like “Quokka Gradients”, by meaning:", "", "1. Wombat Tunnels",
                                     "   Ada Lovelace · 2019"]
    assert "   why: by meaning" in text  # each hit's why says it came from meaning, not words
    none = await papers_like(search, "zzz", 5)
    assert nothing_similar(none, "zzz") == "No paper matches “zzz”. Did you mean: **Quokka Gradients**?"
    assert render_likeness(none, "zzz") == "No paper matches “zzz”.\nDid you mean: Quokka Gradients?"
    off = await papers_like(Searches(note=f"Papers like this one need meaning, which {OFF}."), "3", 5)
    assert nothing_similar(off, "3") == f"Papers like “Numbat Nets”: Papers like this one need meaning, which {OFF}."
    assert render_likeness(off, "3") == f"Papers like “Numbat Nets”: Papers like this one need meaning, which {OFF}."
    alone = Likeness(search.papers[1], SearchResult())  # meaning on, nothing close
    assert nothing_similar(alone, "1") == "Papers like “Quokka Gradients”: no other paper is close to it in meaning."


async def test_a_hostile_title_is_rendered_as_text_everywhere() -> None:
    search = Searches()
    search.papers[1] = paper(1, "**Bold** @everyone \x1b[2J<@123>")
    found = await papers_like(search, "1", 5)
    assert similar_header(found).startswith("2 papers like “\\*\\*Bold\\*\\* \\@\u200beveryone \\[2J\\<\\@123\\>”")
    assert "\x1b" not in render_likeness(found, "1")


# --- the buttons under results ---

def hits(n: int) -> list[Hit]:
    return [Hit(paper(i, f"Paper number {i}"), 1.0, (Match("paper", "title"),)) for i in range(1, n + 1)]


async def test_a_similar_button_under_each_result_shown_follows_the_page() -> None:
    view = ResultsView(hits(5), owner_id=7, similar=True)
    buttons = [c for c in view.children if lasting(c)]
    assert [(b.custom_id, b.label, b.row) for b in buttons] == [  # type: ignore[attr-defined]
        ("similar:1", "🔎 Like 1: Paper number 1", 2), ("similar:2", "🔎 Like 2: Paper number 2", 2),
        ("similar:3", "🔎 Like 3: Paper number 3", 2)]
    view.page = 1
    view._sync()
    assert [c.custom_id for c in view.children if lasting(c)] == ["similar:4", "similar:5"]  # type: ignore[attr-defined]
    assert [c for c in ResultsView(hits(5), owner_id=7).children if lasting(c)] == []  # meaning off: none


async def test_the_similar_buttons_are_anyones_and_outlive_the_view() -> None:
    view = ResultsView(hits(2), owner_id=7, similar=True)

    class Pressed:
        def __init__(self, custom_id: str) -> None:
            self.data = {"custom_id": custom_id}

    assert await view.interaction_check(Pressed("similar:1")) is False  # type: ignore[arg-type]  # the cog's
    await view.on_timeout()  # no message yet: only the items change
    states = {c.custom_id: c.disabled for c in view.children}  # type: ignore[attr-defined]
    assert states == {"results:previous": True, "results:next": True, "results:full": True, "similar:1": False,
                      "similar:2": False}
    assert SIMILAR.fullmatch("similar:12") and not SIMILAR.fullmatch("similar:" + "1" * 20)


# --- the terminal faces, on the bundled seeds ---

@pytest.fixture
async def meaning_library(database_url: str) -> AsyncIterator[Library]:
    """The bundled seeds with MEANING on, every paper's vector in the index (as `paperbot console` builds it)."""
    library = new_library(database_url, None, seeds=True, meaning=True)
    await library.start()
    await ready(library)
    yield library
    await library.close()


async def test_the_console_says_which_paper_and_the_papers_like_it(meaning_library: Library) -> None:
    seeded_library = meaning_library
    text = await answer(seeded_library, "/similar the lottery ticket hypothesis")
    lines = text.splitlines()
    assert lines[0] == f"Papers like “{LOTTERY}”, by meaning:"
    assert [line.split(". ", 1)[1] for line in lines if line[:1].isdigit()] == LIKE_FIVE
    lottery = next(p.id for p in seeded_library.catalog if p.title == LOTTERY)
    assert await answer(seeded_library, f"/similar {lottery}") == text  # the number, as the autocomplete sends
    assert await answer(seeded_library, "/similar") == "Usage: /similar PAPER  (try /help)"
    assert "/similar PAPER" in await answer(seeded_library, "/help")


async def test_the_consoles_first_similar_waits_for_the_vectors_being_made(database_url: str) -> None:
    """Asked at once after start-up, before the background embedder is done: the answer has the papers, not
    "its meaning is not read yet" (the console waits a few seconds for a small corpus's vectors)."""
    library = new_library(database_url, None, seeds=True, meaning=True)
    await library.start()
    try:
        assert library.embedder is not None
        text = await answer(library, "/similar the lottery ticket hypothesis")
        assert [line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit()] == LIKE_FIVE
    finally:
        await library.close()


def test_paperbot_similar_prints_and_dumps_the_same_papers(tmp_path: Path) -> None:
    done = run(tmp_path, "similar", "lottery", "ticket", "hypothesis", "--limit", "5", "--json")
    assert done.returncode == 0, done.stderr
    papers = json.loads(done.stdout)
    assert [p["title"] for p in papers] == LIKE_FIVE
    assert all(p["meaning"] is True and p["why"].startswith("by meaning") for p in papers)
    shown = run(tmp_path, "similar", "lottery ticket hypothesis", "--limit", "5")
    assert shown.returncode == 0 and shown.stdout.splitlines()[0] == f"Papers like “{LOTTERY}”, by meaning:"
    off = run(tmp_path, "similar", "lottery ticket hypothesis", env={"MEANING": "off"})
    assert off.returncode == 2 and off.stdout.startswith(f"Papers like “{LOTTERY}”: ") and "meaning" in off.stdout
    bad = run(tmp_path, "similar", "x", env={"MEANING": "maybe"})
    assert (bad.returncode, bad.stderr) == (2, "paperbot: configuration error: MEANING: expected on or off, got "
                                                "'maybe'\n")

