"""Members' summaries in embeds: who wrote them, escaped, within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render
from store.ingest.records import PaperRecord, Problem
from store.search.results import Hit, PaperView, SummaryView
from store.summaries.contributions import BatchResult, ContributionView
from tests.bot.embeds import within_limits

WHEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def member_paper(writers: list[str], text: str = "Body.") -> PaperView:
    summaries = tuple(SummaryView(f"discord:{i}", 1, text, w) for i, w in enumerate(writers))
    return PaperView(id=1, title="T", authors=(), venue=None, year=None, topics=(), link="https://example.org/t",
                     summaries=(*summaries, SummaryView("a.md", 3, "File text.")), added_at=WHEN)


def test_paper_embed_names_the_writers_escaped_and_links_the_title() -> None:
    embed = render.paper_embed(Hit(member_paper(["**Ada** @everyone", "Grace"]), 1.0), 1, 1)
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Summary by"] == "\\*\\*Ada\\*\\* \\@\u200beveryone, Grace"
    assert embed.url == "https://example.org/t" and embed.footer.text.endswith("source: Discord; Discord; a.md:3")


def test_full_summary_says_who_wrote_each_part() -> None:
    text = " ".join(e.description for e in render.full_summary_embeds(member_paper(["Ada"])))
    assert "— Discord · by Ada" in text and "— a.md:3" in text


def view(**kw) -> ContributionView:  # type: ignore[no-untyped-def]
    base = dict(id=5, paper_id=1, title="T", link=None, tldr="", body="", topics=(), writer_id=1, writer="Ada",
                created_at=WHEN, edited_at=None, edits=0)
    return ContributionView(**{**base, **kw})


@settings(max_examples=40, deadline=None)
@given(title=st.text(min_size=1, max_size=2000), tldr=st.text(max_size=300), body=st.text(max_size=4000),
       writer=st.text(max_size=300), topics=st.lists(st.text(min_size=1, max_size=200), max_size=20).map(tuple))
def test_contribution_embeds_and_lists_fit_whatever_members_write(title: str, tldr: str, body: str, writer: str,
                                                                  topics: tuple[str, ...]) -> None:
    c = view(title=title, tldr=tldr, body=body, writer=writer, topics=topics, edited_at=WHEN)
    within_limits([render.contribution_embed(c)])
    assert len(render.contributions_list([c] * 40, "none", show_writer=True)) <= render.CONTENT_MAX
    within_limits([render.paper_embed(Hit(member_paper([writer], body), 1.0), 1, 1)])
    refused = [(PaperRecord(title=title, source="x.md", line=1), "why " * 100)] * 30
    report = render.upload_report({"x.md": 3}, BatchResult(refused=refused), [Problem("x.md", 2, body)] * 30)
    assert len(report) <= render.CONTENT_MAX


def test_lists_use_discord_timestamps_and_say_who() -> None:
    line = render.contributions_list([view(writer="Ada", edited_at=WHEN)], "none", show_writer=True)
    stamp = int(WHEN.timestamp())
    assert line == f"`#5` T by **Ada** · <t:{stamp}:f>, edited <t:{stamp}:f>"
    assert render.contributions_list([], "none", show_writer=False) == "none"
