"""Each paper's authors as its own source wrote them; the summary's writer and "et al." kept and shown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from bot import render
from bot.text import byline
from store.corpus.sync import sync_files
from store.ingest.records import PaperRecord, Parsed, ParsedFile
from store.library import Library
from store.search.results import Hit, PaperView, SummaryView


async def test_the_seeds_show_each_paper_s_own_spelling(seeded_library: Library) -> None:
    by_title = {p.title: p for p in seeded_library.catalog}
    assert by_title["Dynamic Capacity Networks"].authors == (
        "Amjad Almahairi", "Nicolas Ballas", "Tim Cooijmans", "Yin Zheng", "Hugo Larochelle", "Aaron Courville")
    assert "Aaron C. Courville" in by_title[
        "Show, Attend and Tell: Neural Image Caption Generation with Visual Attention"].authors
    # One person for /author, whichever spelling a paper used.
    titles = {h.paper.title for h in (await seeded_library.search.author("Aaron Courville", 50)).hits}
    assert {"Dynamic Capacity Networks",
            "Show, Attend and Tell: Neural Image Caption Generation with Visual Attention"} <= titles


async def _files(*records: PaperRecord) -> AsyncIterator[ParsedFile]:
    for i, rec in enumerate(records):
        yield ParsedFile(name=rec.source, root="/notes", sha256=f"{i:064d}", parsed=Parsed([rec]), failed=False)


async def test_writer_and_incomplete_author_list_are_stored_and_exposed(database_url: str) -> None:
    lib = Library(database_url)
    await lib.start(ingest_if_empty=False)
    note = PaperRecord(title="Language Models are Few-Shot Learners", authors=["Tom B. Brown", "Benjamin Mann"],
                       authors_incomplete=True, writer="Grace Hopper", summary="In-context learning.",
                       source="gpt3.md", line=1)
    async with lib.sessionmaker() as s, s.begin():
        await sync_files(s, _files(note), ["/notes"])
    [paper] = await lib.papers()
    assert paper.authors == ("Tom B. Brown", "Benjamin Mann")
    assert paper.authors_incomplete is True
    assert paper.writer == "Grace Hopper"
    assert paper.summaries[0].writer == "Grace Hopper"
    out = Hit(paper, 1.0).to_json()
    assert (out["authors"], out["authors_incomplete"], out["writer"]) == (
        ["Tom B. Brown", "Benjamin Mann"], True, "Grace Hopper")
    await lib.close()


def _view(incomplete: bool, writer: str | None) -> PaperView:
    return PaperView(id=1, title="T", authors=("Ada Lovelace", "Alan Turing"), venue=None, year=None, topics=(),
                     link=None, summaries=(SummaryView("a.md", 3, "S.", writer),),
                     added_at=datetime(2026, 1, 1, tzinfo=UTC), authors_incomplete=incomplete)


def test_render_marks_et_al_and_the_writer() -> None:
    embed = render.paper_embed(Hit(_view(True, "Grace Hopper"), 1.0), 1, 1)
    fields = {f.name: f.value for f in embed.fields}
    assert fields["Authors"] == "Ada Lovelace, Alan Turing et al."
    assert fields["Summary by"] == "Grace Hopper"
    assert "by Grace Hopper" in render.full_summary_embeds(_view(True, "Grace Hopper"))[0].description
    plain = {f.name: f.value for f in render.paper_embed(Hit(_view(False, None), 1.0), 1, 1).fields}
    assert plain["Authors"] == "Ada Lovelace, Alan Turing" and "Summary by" not in plain
    assert byline(_view(True, "Grace Hopper")) == "Ada Lovelace, Alan Turing et al. · summary by Grace Hopper"
