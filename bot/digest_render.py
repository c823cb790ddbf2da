"""The weekly digest as one embed, inside Discord's limits; times as Discord timestamps (local to each reader)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.render import COLOUR, EMBED_FIELD_VALUE_MAX, authors_line, timestamp
from bot.untrusted import for_discord_line
from store.digest.plan import Digest
from store.digest.service import Edition
from store.summaries.contributions import ContributionView

EXTRACT = 160


def digest_embed(digest: Digest, slot: datetime, next_at: datetime) -> discord.Embed:
    lines = [f"The reading group's digest for {timestamp(slot, 'D')}. "
             f"Next one {timestamp(next_at)} ({timestamp(next_at, 'R')})."]
    topic = for_discord_line(digest.topic, 200) if digest.topic else ""
    if topic:  # a topic of nothing but control characters shows nothing, not an empty "****"
        lines.append(f"Topic of the week: **{topic}**")
    embed = discord.Embed(title="📚 Weekly paper digest", description="\n".join(lines), colour=COLOUR)
    for pick in digest.items[:20]:
        p = pick.paper
        value = (f"{for_discord_line(authors_line(p.authors, 4), 200)}\n"
                 f"{for_discord_line(p.summary, EXTRACT) or '(no summary yet)'}\n"
                 f"*{for_discord_line(pick.reason, 600)}*")
        embed.add_field(name=for_discord_line(p.title, 250), value=value[:EMBED_FIELD_VALUE_MAX], inline=False)
    while len(embed) > 5800 and embed.fields:  # keep well inside the 6,000-character message limit
        embed.remove_field(-1)
    return embed


DIGEST_SUMMARIES = 5  # the digest names at most this many of the summaries members wrote since the last one


def new_summaries_text(written: Sequence[ContributionView]) -> str:
    """One line per member summary: the paper, its writer and when (a Discord timestamp)."""
    lines = [f"• {for_discord_line(c.title, 150)}, by {for_discord_line(c.writer, 60) or 'a member'} "
             f"({timestamp(c.created_at, 'R')})" for c in written]
    return "\n".join(lines)[:EMBED_FIELD_VALUE_MAX]


def edition_embed(edition: Edition, written: Sequence[ContributionView]) -> discord.Embed:
    """The digest's embed with the summaries members wrote since the last one, first (the reading group's
    sections, inserted at the top afterwards, stay above it)."""
    embed = digest_embed(edition.digest, edition.slot, edition.next_at)
    if written:
        embed.insert_field_at(0, name="✍️ New summaries by members", inline=False, value=new_summaries_text(written))
    return embed
