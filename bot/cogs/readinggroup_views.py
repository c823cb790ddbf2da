"""What the reading group shows in Discord: proposal embeds and vote buttons, announcements, reminders,
/history pages, and its sections of the weekly digest. Plain functions of the store's views.

Vote and history buttons carry what they act on in their custom_id (`rg:vote:<+|->:<id>`,
`rg:history:<page>:<owner>:<presenter>:<topic>`, `rg:publish:<session>`), so they keep working after a restart.
"""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands

from bot.render import link_of, timestamp
from bot.text import clip
from bot.untrusted import for_code_span, for_discord_line
from store.readinggroup import Discussed, Page, ProposalView, Proposed, SessionView
from store.readinggroup.service import DigestSections

VOTE = re.compile(r"rg:vote:([+-]):(\d+)")
HISTORY = re.compile(r"rg:history:(\d+):(\d+):(\d*):(.*)")  # page, owner, presenter, topic
PUBLISH = re.compile(r"rg:publish:(\d+)")  # an organiser's retry of what a session's publishing missed
NONE = discord.AllowedMentions.none()


def presenter_only(s: SessionView) -> discord.AllowedMentions:
    """Pings the presenter, and nobody else."""
    return discord.AllowedMentions(everyone=False, roles=False, replied_user=False,
                                   users=[discord.Object(s.presenter_id)])


def proposal_embed(p: ProposalView) -> discord.Embed:
    lines = [f"Proposed by <@{p.proposer_id}>; open until {timestamp(p.expires_at, 'D')}."]
    if link := link_of(p.link):
        lines.append(f"<{link}>")  # a checked link, whole: what it shows is where it leads
    lines.append(f"**Votes: {p.score:+d}** ({p.voters} member{'s' if p.voters != 1 else ''})")
    if p.status != "open":
        lines.append(f"*This proposal is {p.status}.*")
    return discord.Embed(title=f"📄 {for_discord_line(p.title, 254)}", description="\n".join(lines))


def vote_view(p: ProposalView) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    closed = p.status != "open"
    view.add_item(discord.ui.Button(label="👍 For", style=discord.ButtonStyle.success,
                                    custom_id=f"rg:vote:+:{p.id}", disabled=closed))
    view.add_item(discord.ui.Button(label="👎 Against", style=discord.ButtonStyle.secondary,
                                    custom_id=f"rg:vote:-:{p.id}", disabled=closed))
    return view


def proposal_notes(result: Proposed) -> list[str]:
    """What a member learns on proposing: the group already read it, or read something close."""
    notes = []
    if (d := result.discussed) is not None:
        notes.append(f"ℹ The group already discussed this on {timestamp(d.on, 'D')}, presented by "
                     f"<@{d.presenter_id}>.")
    for d in result.similar:
        notes.append(f"ℹ Close to what we read: **{for_discord_line(d.title, 300)}** ({timestamp(d.on, 'D')}, "
                     f"presented by <@{d.presenter_id}>).")
    return notes


def discussed_note(d: Discussed) -> str:
    """A search result's "Discussed" field: when the group read the paper, and who presented it."""
    return f"Discussed on {timestamp(d.on, 'D')}, presented by <@{d.presenter_id}>"


def already_proposed(p: ProposalView, guild_id: int) -> str:
    jump = f" https://discord.com/channels/{guild_id}/{p.channel_id}/{p.message_id}" if p.message_id else ""
    return f"**{for_discord_line(p.title, 300)}** is already proposed (by <@{p.proposer_id}>): vote there.{jump}"


def proposals_text(rows: list[ProposalView]) -> str:
    lines = [f"{i}. **{for_discord_line(p.title, 300)}**: {p.score:+d} "
             f"({p.voters} vote{'s' if p.voters != 1 else ''}), proposed by <@{p.proposer_id}> "
             f"{timestamp(p.created_at, 'R')}" for i, p in enumerate(rows, 1)]
    return "\n".join(lines)[:1900]


def announcement(s: SessionView) -> str:
    extra = "".join(f"\n{for_discord_line(role).capitalize()}: <@{member}>" for role, member in sorted(s.roles.items()))
    head = {"scheduled": "📅 Reading group session", "done": "✅ Discussed", "cancelled": "❌ Cancelled"}[s.status]
    return (f"{head}: **{for_discord_line(s.title, 1500)}**\nPresenter: <@{s.presenter_id}>{extra}\n"
            f"When: {timestamp(s.starts_at)} ({timestamp(s.starts_at, 'R')})")


PARTS = {"announcement": "the announcement", "thread": "the discussion thread", "event": "the scheduled event"}


def publish_report(s: SessionView, failed: dict[str, str]) -> str:
    """What publishing missed and why, that the session is kept, where its reminders go, and how to retry."""
    if not failed:
        return ""
    lines = ["⚠ Not published:", *(f"• {PARTS[part]}: {why}" for part, why in failed.items())]
    reminded = f"its reminders will be posted in <#{s.channel_id}>" if s.channel_id else "it has no channel yet"
    lines.append(f"The session is kept and {reminded}. Fix this, then press Retry or run "
                 f"`/session publish session:{s.id}`.")
    return "\n".join(lines)


def publish_reply(head: str, s: SessionView, failed: dict[str, str]) -> dict[str, Any]:
    """The organiser's reply to publishing (followup.send's arguments): with a Retry button if a part failed."""
    content = "\n".join(filter(None, [head, publish_report(s, failed)]))
    return {"content": content, "view": retry_view(s)} if failed else {"content": content}


def but(problem: str | None) -> str:
    """A problem after the deed (the event not moved, completed or deleted), as a line of the reply."""
    return f"\n⚠ But {problem}." if problem else ""


def retry_view(s: SessionView) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Retry publishing", style=discord.ButtonStyle.primary,
                                    custom_id=f"rg:publish:{s.id}"))
    return view


def reminder_text(s: SessionView, minutes: int) -> str:
    when = "tomorrow" if minutes >= 1440 else "soon"
    where = f" Discussion thread: <#{s.thread_id}>." if s.thread_id else ""
    return (f"⏰ Reading group {when}, {timestamp(s.starts_at, 'R')}: **{for_discord_line(s.title, 1500)}**, "
            f"presented by <@{s.presenter_id}>.{where}")


def summary_hint(tree: app_commands.CommandTree, s: SessionView) -> str:
    """After a meeting: the presenter is asked for a summary, through /summary write when the bot has it."""
    summary = tree.get_command("summary")
    if isinstance(summary, app_commands.Group) and summary.get_command("write") is not None:
        return (f"<@{s.presenter_id}>, thanks for presenting! Please add a summary for the group: "
                f"`/summary write paper:{for_code_span(s.title, 150)}`")
    return (f"<@{s.presenter_id}>, thanks for presenting! Please write a short summary of "
            f"**{for_discord_line(s.title, 1500)}** for the corpus, so the group can find it later.")


def history_embed(page: Page) -> discord.Embed:
    embed = discord.Embed(title="📚 What the group discussed",
                          description=None if page.sessions else "Nothing discussed yet.")
    for s in page.sessions:
        embed.add_field(name=for_discord_line(s.title, 250),
                        value=f"{timestamp(s.starts_at, 'D')}, presented by <@{s.presenter_id}>", inline=False)
    embed.set_footer(text=f"Page {page.page + 1} of {page.pages} · {page.total} session(s)")
    return embed


def history_view(page: Page, owner: int, presenter: int | None, topic: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    tail = f"{owner}:{presenter or ''}:{topic[:40]}"
    view.add_item(discord.ui.Button(label="Newer", custom_id=f"rg:history:{max(0, page.page - 1)}:{tail}",
                                    disabled=page.page == 0))
    view.add_item(discord.ui.Button(label="Older", custom_id=f"rg:history:{page.page + 1}:{tail}",
                                    disabled=page.page >= page.pages - 1))
    return view


def add_digest_sections(embed: discord.Embed, sections: DigestSections) -> None:
    """The next meeting and the top open proposals, first in the digest (the size trim drops picks first)."""
    at = 0
    if (s := sections.next_meeting) is not None:
        embed.insert_field_at(at, name="📅 Next session", inline=False, value=clip(
            f"**{for_discord_line(s.title, 600)}**, presented by <@{s.presenter_id}>, {timestamp(s.starts_at)} "
            f"({timestamp(s.starts_at, 'R')})", 1024))
        at += 1
    if sections.top:
        lines = [f"{i}. {for_discord_line(p.title, 150)} ({p.score:+d})" for i, p in enumerate(sections.top, 1)]
        embed.insert_field_at(at, name="🗳 Top proposals", inline=False, value="\n".join(lines)[:1024])
