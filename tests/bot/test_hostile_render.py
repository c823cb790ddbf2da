"""Any hostile note through the real reader and every renderer that shows what it read (the corpus and the
judges: tests/bot/hostile.py): nothing live, nothing Discord refuses, each title shown as written."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.digest_render import digest_embed
from bot.render import batch_by_size, full_summary_embeds, no_result_message, paper_embed, report_message
from bot.text import render_hit, render_report, render_result
from store.digest.plan import plan_digest
from store.ingest import parse_text
from store.ingest.records import PaperRecord
from store.ingest.report import FileChange, IngestReport
from store.search import SearchIndex
from store.search.results import Hit, Match, PaperView, SummaryView
from tests.bot.hostile import (
    FILENAMES,
    FRAGMENTS,
    LINKS,
    TAGS,
    ZWSP,
    Note,
    hostile_notes,
    one_line,
    shown,
    shows,
    terminal_safe,
    visible,
    whole_or_cut,
)
from tests.fakediscord import markdown
from tests.fakediscord.limits import message_errors, url_problems
from tests.fakediscord.openapi import operation, validate

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


# --- the pure layers, for any note: the real reader, then every renderer that shows what it read ---

# Constructs only text the bot did not write could bring (its own bold, italics and code spans aside).
FOREIGN = frozenset({"link", "url", "heading", "subtext", "list", "quote", "spoiler", "code", "code_block",
                     "underline", "strike", "em", "strong", "mention"})
CREATE_MESSAGE = operation("create_message").request


def refusals(body: dict) -> list[str]:
    """What Discord would refuse in a message body: its API description (formats too), its embed URL rules
    and its limits, as the local Discord judges them."""
    assert CREATE_MESSAGE is not None
    return [str(p) for p in (*validate(CREATE_MESSAGE, body, requests=True), *url_problems(body))] + message_errors(
        body)


def live(body: dict, bots_own: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Every Markdown surface of a body in which Discord's client would show something the bot did not write
    as live (a masked link, a mention, a broken code span, a construct beyond `bots_own`), and anyone Discord's
    server would notify, were the body sent with no allowed_mentions at all."""
    found = [(path, text) for path, text in markdown.surfaces(body)
             if (r := markdown.read(text)).links or r.mentions or not r.code_balanced
             or r.constructs & (FOREIGN - bots_own)]
    return found + [("pings", str(p)) for p in markdown.pings({**body, "allowed_mentions": None})]


def views_of(records: list[PaperRecord]) -> list[PaperView]:
    """The papers as search results carry them, straight from the reader's records."""
    return [PaperView(id=i, title=r.title, authors=tuple(r.authors), venue=r.venue, year=r.year,
                      topics=tuple(r.topics), link=r.link, summaries=(SummaryView(r.source, r.line, r.summary),),
                      added_at=NOW) for i, r in enumerate(records, 1)]


PIECES = st.sampled_from(FRAGMENTS + LINKS + FILENAMES) | st.text(max_size=6)
LINE = st.lists(PIECES, max_size=4).map(lambda parts: one_line(" ".join(parts)).replace("\r", " "))
NOTES = st.builds(
    Note,
    tag=st.sampled_from(TAGS),
    filename=st.tuples(PIECES.map(one_line), st.integers(0, 99), st.sampled_from([".md", ".bib"])).map(
        lambda t: f"{t[0]} {t[1]:02d}{t[2]}"),
    title=st.tuples(st.sampled_from(TAGS), LINE).map(lambda t: f"{t[0]} {t[1]} Networks"),
    authors=st.lists(LINE, min_size=1, max_size=3).map("; ".join),
    summary=st.lists(PIECES | st.sampled_from(["\n", "\n\n", "\n- ", "\n> ", "\n# "]), max_size=12).map("".join),
    link=st.sampled_from(LINKS).map(lambda link: link.format(i=7)) | st.text(max_size=20).map(one_line),
    topics=LINE,
)


@settings(max_examples=400)
@given(note=NOTES)
@example(note=Note("Wombat", "a 01.md", "Wombat Networks", "Ada Lovelace", "Burrows.", "", "\x07\x08"))  # no topic
@example(note=hostile_notes()[13])  # the two links in a title
@example(note=Note("Wombat", "a 01.bib", "Wombat?\x1b Networks", "Ada Lovelace", "Burrows.", "", "x"))  # ESC in a word
def test_any_note_the_reader_takes_is_shown_as_written_with_nothing_live(note: Note) -> None:
    """Whatever a note says, as front-matter Markdown or BibTeX: the /reload report, the result embeds, the
    whole summary, the digest and the terminal lines carry nothing live and nothing Discord refuses, and show
    each title, as written, minus control characters."""
    parsed = parse_text(note.text(), note.filename, Path(note.filename).suffix)
    records = parsed.records
    report = IngestReport([FileChange(note.filename, "new" if records else "failed", added=len(records),
                                      papers=len(records))], list(parsed.problems), len(records))
    message = {"content": report_message(report)}
    assert live(message, bots_own=frozenset({"strong", "code"})) == [] and refusals(message) == []
    name = markdown.read(message["content"]).code[0].replace(ZWSP, "")
    assert whole_or_cut(name, visible(note.filename.replace("`", "")))
    terminal = render_report(report)
    # (an escape sequence may take the characters after its ESC: only the suffix is sure to show)
    assert terminal_safe(terminal) and f"{note.filename[-4:]}: {report.files[0].status}, {len(records)} pap" in terminal
    views = views_of(records)
    for view in views:
        hit = Hit(view, 1.0, why=(Match(view.title.split()[-1].lower(), "title"),))
        embed = paper_embed(hit, 1, 1).to_dict()
        assert live({"embeds": [embed]}) == [] and refusals({"embeds": [embed]}) == []
        assert shows(embed["title"], view.title), (embed["title"], view.title)
        assert embed.get("url") == view.link and (view.link is None or view.link.startswith(("https://", "http://")))
        for batch in batch_by_size(full_summary_embeds(view)):
            body = {"embeds": [e.to_dict() for e in batch]}
            assert live(body) == [] and refusals(body) == []
        terminal = render_hit(1, hit)
        # the title's first word up to its first control character (an escape sequence may take what follows)
        first = re.split(r"[\x00-\x1f\x7f-\x9f]", view.title.split()[0])[0]
        assert terminal_safe(terminal) and terminal.startswith(f"1. {first}"), (terminal, view.title)
    if views:
        digest = plan_digest(views, set(), 1, None, "2026-W49")
        body = {"embeds": [digest_embed(digest, NOW, NOW).to_dict()]}
        assert live(body, bots_own=frozenset({"em", "strong"})) == [] and refusals(body) == []
        fields = body["embeds"][0]["fields"]
        assert fields and all(any(shows(f["name"], v.title) for v in views) for f in fields)
        description = shown(body["embeds"][0]["description"]) + "\n"
        if digest.topic and visible(digest.topic):
            assert f"Topic of the week: {visible(digest.topic)}\n" in description or len(digest.topic) > 100
        else:  # a topic of control characters alone shows as no topic, not as an empty bold "****"
            assert "Topic of the week" not in description


@settings(max_examples=200)
@given(note=NOTES, query=PIECES | LINE, kind=st.sampled_from(["paper", "author", "topic", "ask"]))
def test_any_query_is_answered_or_echoed_as_written_with_nothing_live(note: Note, query: str, kind: str) -> None:
    """A query of any kind over the papers the reader took from a note: what it finds is shown as in results,
    and a query that finds nothing is echoed back, to Discord and to the terminal, as written and never live."""
    index = SearchIndex.build(views_of(parse_text(note.text(), note.filename, Path(note.filename).suffix).records))
    result = getattr(index, kind)(query, 10)
    if result.hits:
        for i, hit in enumerate(result.hits, 1):
            body = {"embeds": [paper_embed(hit, i, len(result.hits)).to_dict()]}
            assert live(body, bots_own=frozenset({"quote"} if hit.passage else ())) == [] and refusals(body) == []
            assert shows(body["embeds"][0]["title"], hit.paper.title)
    else:
        hint = {"content": no_result_message(result, query, kind)}
        assert live(hint, bots_own=frozenset({"strong"})) == [] and refusals(hint) == []
        if result.note is None:  # the query, folded to single blanks (every blank Python knows) and cleaned
            written = visible(" ".join(query.split()))
            echo = shown(hint["content"]).removeprefix(f"No {kind} matches “")
            assert echo.startswith(f"{written}”") or (len(written) > 200 and whole_or_cut(echo.split("”")[0], written))
    terminal = render_result(result, query, kind)
    assert terminal_safe(terminal)
    assert terminal.startswith("1. " if result.hits else result.note or f"No {kind} matches “")
