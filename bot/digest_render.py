"""The weekly digest as one embed, inside Discord's limits; times as Discord timestamps (local to each reader)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import discord

from bot.render import COLOUR, EMBED_FIELD_VALUE_MAX, authors_line, safe
from bot.text import clip
from store.contributions import ContributionView
from store.digest import Digest

EXTRACT = 160


def timestamp(when: datetime, style: str = "F") -> str:
    return f"<t:{int(when.timestamp())}:{style}>"


def digest_embed(digest: Digest, slot: datetime, next_at: datetime) -> discord.Embed:
    lines = [f"The reading group's digest for {timestamp(slot, 'D')}. "
             f"Next one {timestamp(next_at)} ({timestamp(next_at, 'R')})."]
    if digest.topic:
        lines.append(f"Topic of the week: **{safe(digest.topic)}**")
    embed = discord.Embed(title="📚 Weekly paper digest", description="\n".join(lines), colour=COLOUR)
    for pick in digest.items[:20]:
        p = pick.paper
        value = (f"{clip(safe(authors_line(p.authors, 4)), 200)}\n"
                 f"{clip(safe(p.summary), EXTRACT) or '(no summary yet)'}\n*{safe(pick.reason)}*")
        embed.add_field(name=clip(safe(p.title), 250), value=value[:EMBED_FIELD_VALUE_MAX], inline=False)
    while len(embed) > 5800 and embed.fields:  # keep well inside the 6,000-character message limit
        embed.remove_field(-1)
    return embed


DIGEST_SUMMARIES = 5  # the digest names at most this many of the summaries members wrote since the last one


def new_summaries_text(written: Sequence[ContributionView]) -> str:
    """One line per member summary: the paper, its writer and when (a Discord timestamp)."""
    lines = [f"• {clip(safe(c.title), 150)}, by {clip(safe(c.writer), 60) or 'a member'} "
             f"({timestamp(c.created_at, 'R')})" for c in written]
    return "\n".join(lines)[:EMBED_FIELD_VALUE_MAX]
