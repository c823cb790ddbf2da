"""Search results as Discord embeds, within Discord's limits. Pure: no network, easy to test."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import discord

from bot.similar import Likeness, why_none
from bot.text import clip
from bot.untrusted import for_code_span, for_discord, for_discord_line, for_discord_pieces, for_plain
from store.ingest.records import Problem
from store.ingest.report import IngestReport, problem_count, problem_line
from store.search.results import Hit, PaperView, SearchResult
from store.servers.settings import AdminNotice
from store.summaries.contributions import BatchResult, ContributionView
from store.text.links import web_link

# Discord's documented limits.
CONTENT_MAX = 2000
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_FIELDS_MAX = 25
EMBEDS_PER_MESSAGE = 10
EMBED_TOTAL_MAX = 6000
SELECT_OPTIONS_MAX = 25
SELECT_LABEL_MAX = 100

EXTRACT_CHARS = 350
PAGE_SIZE = 3  # results per page: three rich embeds stay well inside 6,000 characters
COLOUR = discord.Colour.blurple()


def timestamp(when: datetime, style: str = "F") -> str:
    """A Discord timestamp (`<t:...:F>` and its styles): each member sees it in their own time zone."""
    return f"<t:{int(when.timestamp())}:{style}>"


def link_of(raw: str | None) -> str | None:
    """A paper's link as an embed's url: only one store.text.links accepts (rows stored before links were checked
    at entry may hold anything, and Discord refuses a whole message over one bad url)."""
    return web_link(raw) if raw else None


def authors_line(authors: Sequence[str], limit: int = 8, *, incomplete: bool = False) -> str:
    """The byline; "et al." when the source itself cut the list short (the names shown are exact)."""
    if not authors:
        return "unknown"
    shown = ", ".join(authors[:limit])
    if len(authors) > limit:
        return shown + (f" and {len(authors) - limit} more" + (" et al." if incomplete else ""))
    return shown + (" et al." if incomplete else "")


def paper_embed(hit: Hit, position: int, total: int, discussed: str | None = None) -> discord.Embed:
    p = hit.paper
    body = (f"> {for_discord_line(clip(hit.passage, 700))}" if hit.passage
            else for_discord_line(clip(p.summary, EXTRACT_CHARS)))
    embed = discord.Embed(title=for_discord_line(p.title, EMBED_TITLE_MAX), url=link_of(p.link),
                          description=body[:EMBED_DESCRIPTION_MAX] or None, colour=COLOUR)
    named = [a for a in p.authors if a.strip()]
    embed.add_field(name="Authors", value=for_discord_line(authors_line(named, incomplete=p.authors_incomplete),
                                                           EMBED_FIELD_VALUE_MAX) or "unknown", inline=False)
    where = for_discord_line(" · ".join(str(x) for x in (p.venue, p.year) if x), EMBED_FIELD_VALUE_MAX)
    if where:
        embed.add_field(name="Venue", value=where, inline=True)
    topics = for_discord_line(", ".join(t for t in p.topics if t.strip()), EMBED_FIELD_VALUE_MAX)
    if topics:  # Discord refuses an empty field value
        embed.add_field(name="Topics", value=topics, inline=True)
    writers = for_discord_line(", ".join(w for w in p.writers if w.strip()), EMBED_FIELD_VALUE_MAX)
    if writers:
        embed.add_field(name="Summary by", value=writers, inline=True)
    if discussed:  # the bot's own: "discussed on <date>, presented by <member>"
        embed.add_field(name="Discussed", value=discussed[:EMBED_FIELD_VALUE_MAX], inline=False)
    if why := hit.why_text():  # words matched, or "by meaning"
        embed.add_field(name="Why it matched", value=for_discord_line(why, EMBED_FIELD_VALUE_MAX), inline=False)
    embed.set_footer(text=for_plain(f"{position}/{total} · source: {p.source}", EMBED_FOOTER_MAX))
    return embed


def page_embeds(hits: Sequence[Hit], page: int, page_size: int = PAGE_SIZE,
                discussed: Mapping[int, str] | None = None) -> list[discord.Embed]:
    start = page * page_size
    notes = discussed or {}
    return [paper_embed(h, start + i + 1, len(hits), notes.get(h.paper.id))
            for i, h in enumerate(hits[start:start + page_size])]


def no_result_message(result: SearchResult, query: str, what: str) -> str:
    if result.note:
        return result.note
    text = f"No {what} matches “{for_discord_line(clip(query, 200))}”."
    if result.suggestions:
        text += " Did you mean: " + "; ".join(f"**{for_discord_line(clip(s, 150))}**"
                                              for s in result.suggestions[:5]) + "?"
    return text[:CONTENT_MAX]


def similar_header(likeness: Likeness) -> str:
    """Above /similar's results (and the button's): which paper they are like, and that meaning ranked them."""
    count, title = len(likeness.result.hits), likeness.paper.title if likeness.paper else ""
    return (f"{count} paper{'s' if count != 1 else ''} like “{for_discord_line(clip(title, 200))}”, by meaning "
            f"(what the summaries are about, not their words)")[:CONTENT_MAX]


def nothing_similar(likeness: Likeness, query: str) -> str:
    """/similar with nothing to show: no paper matches the words, or none is like the paper (and why)."""
    if likeness.paper is None:
        return no_result_message(likeness.result, query, "paper")
    return f"Papers like “{for_discord_line(clip(likeness.paper.title, 200))}”: {why_none(likeness)}"[:CONTENT_MAX]


def full_summary_embeds(paper: PaperView) -> list[discord.Embed]:
    """The whole summary, split across embeds (and messages: callers send 10 embeds at most per message)."""
    chunks: list[str] = []
    for s in paper.summaries:
        by = f" · by {s.writer}" if s.writer else ""
        chunks.extend(for_discord_pieces(f"{s.text}\n\n— {s.where}{by}", EMBED_DESCRIPTION_MAX))
    chunks = chunks or ["(no summary)"]
    embeds = []
    for i, chunk in enumerate(chunks):
        title = for_discord_line(paper.title, EMBED_TITLE_MAX - 10) + (f" ({i + 1}/{len(chunks)})"
                                                                        if len(chunks) > 1 else "")
        embeds.append(discord.Embed(title=title, url=link_of(paper.link), description=chunk, colour=COLOUR))
    return embeds


def batch_by_size(embeds: Sequence[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages that respect 10 embeds and 6,000 characters each."""
    batches: list[list[discord.Embed]] = [[]]
    size = 0
    for e in embeds:
        n = len(e)
        if batches[-1] and (len(batches[-1]) >= EMBEDS_PER_MESSAGE or size + n > EMBED_TOTAL_MAX):
            batches.append([])
            size = 0
        batches[-1].append(e)
        size += n
    return [b for b in batches if b]


def report_message(report: IngestReport, budget: int = CONTENT_MAX) -> str:
    """What /reload changed per file, then every problem line that fits in one message."""
    refused = not report.files and bool(report.problems)  # nothing was read: say so, not "Reloaded"
    lines = [f"**{'Not reloaded' if refused else 'Reloaded'}.** {report.summary_line()}"]
    for f in report.files:
        if f.status != "unchanged":
            lines.append(f"• `{for_code_span(f.source, 200)}`: {f.status} (+{f.added} / ~{f.updated} / −{f.removed})")
    unchanged = sum(1 for f in report.files if f.status == "unchanged")
    if unchanged:
        lines.append(f"• {unchanged} file(s) unchanged")
    reserve = 120  # room for the "and N more" line
    shown = 0
    for p in report.problems:
        line = f"⚠ {for_discord_line(clip(problem_line(p), 260))}"
        if sum(len(x) + 1 for x in lines) + len(line) > budget - reserve:
            break
        lines.append(line)
        shown += 1
    if shown < len(report.problems):
        hidden = problem_count(report.problems[shown:])  # a file's lines beyond the cap count too
        lines.append(f"… and {hidden} more problem(s): run `paperbot ingest` to see all.")
    return "\n".join(lines)[:budget]


def contribution_embed(c: ContributionView) -> discord.Embed:
    """A member's summary as it was saved: the title linked, the TL;DR, the summary, who and when."""
    body = "\n\n".join(x for x in (f"**TL;DR** {for_discord(c.tldr)}" if c.tldr else "", for_discord(c.body)) if x)
    embed = discord.Embed(title=for_discord_line(c.title, EMBED_TITLE_MAX), url=link_of(c.link),
                          description=clip(body, EMBED_DESCRIPTION_MAX) or None, colour=COLOUR)
    embed.add_field(name="Summary by", value=for_discord_line(c.writer, EMBED_FIELD_VALUE_MAX) or "unknown",
                    inline=True)
    when = timestamp(c.created_at, "f") + (f", edited {timestamp(c.edited_at, 'f')}" if c.edited_at else "")
    embed.add_field(name="Written", value=when, inline=True)
    topics = for_discord_line(", ".join(t for t in c.topics if t.strip()), EMBED_FIELD_VALUE_MAX)
    if topics:
        embed.add_field(name="Topics", value=topics, inline=False)
    embed.set_footer(text=f"summary #{c.id}")
    return embed


def contributions_list(items: list[ContributionView], empty: str, *, show_writer: bool) -> str:
    """One line per summary, newest first, within one message."""
    if not items:
        return empty
    lines = []
    for c in items:
        by = f" by **{for_discord_line(clip(c.writer, 60))}**" if show_writer else ""
        edited = f", edited {timestamp(c.edited_at, 'f')}" if c.edited_at else ""
        line = f"`#{c.id}` {for_discord_line(clip(c.title, 120))}{by} · {timestamp(c.created_at, 'f')}{edited}"
        if sum(len(x) + 1 for x in lines) + len(line) > CONTENT_MAX - 60:
            lines.append(f"… and {len(items) - len(lines)} more")
            break
        lines.append(line)
    return "\n".join(lines)[:CONTENT_MAX]


def upload_report(found: dict[str, int], result: BatchResult, problems: list[Problem]) -> str:
    """What an upload stored, and what it refused and why, like an ingest's report."""
    stored = len(result.saved)
    lines = [f"**Upload:** {stored} summar{'y' if stored == 1 else 'ies'} stored, {len(result.refused)} refused, "
             f"{len(problems)} problem(s)."]
    for name, n in found.items():
        lines.append(f"• `{for_code_span(name, 100)}`: {n} paper(s) found")
    for saved in result.saved:
        c = saved.contribution
        lines.append(f"✓ `#{c.id}` {for_discord_line(clip(c.title, 120))}" + (" (new paper)" if saved.paper_created
                                                                              else ""))
    for rec, why in result.refused:
        lines.append(f"✗ `{for_code_span(rec.source, 80)}:{rec.line}` {for_discord_line(clip(rec.title, 80))}: "
                     f"{for_discord_line(clip(why, 200))}")
    for p in problems:
        line = f"⚠ `{for_code_span(p.source, 80)}:{p.line}` {for_discord_line(clip(p.message, 200))}"
        if sum(len(x) + 1 for x in lines) + len(line) > CONTENT_MAX - 80:
            lines.append("… and more problems.")
            break
        lines.append(line)
    return "\n".join(lines)[:CONTENT_MAX]


def admin_notice_text(notice: AdminNotice) -> str:
    """A problem met since an admin last looked, and how long ago (Discord shows the time in the reader's zone)."""
    when = f" ({timestamp(notice.at, 'R')})" if notice.at else ""
    return f"⚠ Since you last looked{when}: {notice.text}"
