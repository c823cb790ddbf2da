"""Embeds and messages stay inside Discord's limits whatever the corpus or the query holds."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render
from bot.untrusted import without_controls
from store.ingest.records import Problem
from store.ingest.report import FileChange, IngestReport
from store.search.results import Hit, Match, PaperView, SummaryView
from tests.bot.embeds import within_limits
from tests.fakediscord import markdown


def paper(title: str = "T", summary: str = "S", authors: tuple[str, ...] = ("Ada Lovelace",),
          topics: tuple[str, ...] = ("Machine Learning",), link: str | None = None) -> PaperView:
    return PaperView(id=1, title=title, authors=authors, venue="ICLR", year=2019, topics=topics, link=link,
                     summaries=(SummaryView("a.md", 3, summary),), added_at=datetime(2026, 1, 1, tzinfo=UTC))


text = st.text(min_size=0, max_size=20_000)


@settings(max_examples=60, deadline=None)
@given(title=st.text(min_size=1, max_size=2000), summary=text,
       authors=st.lists(st.text(min_size=1, max_size=300), max_size=60).map(tuple),
       topics=st.lists(st.text(min_size=1, max_size=300), max_size=30).map(tuple),
       passage=st.none() | st.text(max_size=5000))
def test_a_page_of_results_fits_one_message(title, summary, authors, topics, passage) -> None:
    p = paper(title, summary, authors, topics)
    why = tuple(Match(w, "summary") for w in (summary.split()[:300] or ["x"]))
    hits = [Hit(p, 1.0, why, passage) for _ in range(render.PAGE_SIZE)]
    within_limits(render.page_embeds(hits, 0))


@settings(max_examples=30, deadline=None)
@given(summary=st.text(min_size=1, max_size=60_000))
def test_a_full_summary_is_split_into_messages_within_limits(summary) -> None:
    embeds = render.full_summary_embeds(paper(summary=summary))
    batches = render.batch_by_size(embeds)
    assert sum(len(b) for b in batches) == len(embeds)
    for batch in batches:
        within_limits(batch)
    shown = "".join(markdown.read(e.description or "").shown for e in embeds)  # as Discord shows the pieces
    assert "".join(without_controls(summary).split())[:1000] in "".join(shown.replace("\u200b", "").split())


def test_mentions_in_corpus_or_query_are_neutralised() -> None:
    p = paper(title="@everyone look", summary="<@123456789012345678> and <@&42> @here")
    embed = render.page_embeds([Hit(p, 1.0)], 0)[0]
    assert embed.title == "\\@\u200beveryone look"  # Discord shows "@everyone look", no mention
    assert embed.description == "\\<\\@123456789012345678\\> and \\<\\@&42\\> \\@\u200bhere"
    msg = render.no_result_message(render.SearchResult(), "@everyone <@&1>", "paper")
    assert msg == "No paper matches “\\@\u200beveryone \\<\\@&1\\>”."


def test_reload_report_lists_changes_and_problems_within_2000_chars() -> None:
    report = IngestReport(files=[FileChange("new.md", "new", added=2, papers=2),
                                 FileChange("same.txt", "unchanged", papers=5)],
                          problems=[Problem(f"bad{i}.txt", i, "not UTF-8 text " * 20) for i in range(100)],
                          papers_total=7)
    msg = render.report_message(report)
    assert len(msg) <= render.CONTENT_MAX
    assert "new.md" in msg and "+2" in msg and "bad0.txt: not UTF-8" in msg and "bad1.txt:1: not UTF-8" in msg
    assert "more problem" in msg


def test_why_it_matched_shows_expansions_and_feedback_words() -> None:
    why = (Match("RL", "title"), Match("reinforcement learning", "summary", via="RL"),
           Match("policy", "summary", related=True), Match("reward", "title", related=True))
    hit = Hit(paper(), 1.0, why)
    assert hit.why_text() == "title: RL; summary: RL → reinforcement learning; like the topic's papers: policy, reward"
    field = next(f for f in render.paper_embed(hit, 1, 1).fields if f.name == "Why it matched")
    assert field.value == "title: RL; summary: RL → reinforcement learning; like the topic's papers: policy, reward"
    assert hit.to_json()["matches"] == [
        {"term": "RL", "field": "title"}, {"term": "reinforcement learning", "field": "summary", "via": "RL"},
        {"term": "policy", "field": "summary", "related": True}, {"term": "reward", "field": "title", "related": True}]
