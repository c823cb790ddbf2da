"""A member's write that waits for another writer, as Discord shows it.

The store tries the write again while another process (an ingest) holds the database
(`store.db.database.patiently`); the face has answered already (acknowledge first, write second), so
what is left is to tell the member, once, that the write is queued and kept, not lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import discord

from bot.replies import PUBLIC_DEFERRAL
from store.db.database import patiently

T = TypeVar("T")

QUEUED = ("Queued: another writer (an ingest or a reload) is using the database. Your {what} is kept and is "
          "saved as soon as it is free; the answer follows here.")


def queued_notice(interaction: discord.Interaction, what: str) -> Callable[[], Awaitable[None]]:
    """What `patiently` awaits when a write has waited a while: a private note to the member, or, after a
    public deferral (whose first follow-up could not be private), the public "thinking…" made the note,
    which the answer then replaces."""
    async def tell() -> None:
        text = QUEUED.format(what=what)
        if interaction.extras.get(PUBLIC_DEFERRAL):
            await interaction.edit_original_response(content=text)
        else:
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
    return tell


async def stored(interaction: discord.Interaction, what: str, write: Callable[[], Awaitable[T]]) -> T:
    """`write()` (one whole transaction of a service), tried again while the database is locked by another
    process, the member told if it waits."""
    return await patiently(write, on_wait=queued_notice(interaction, what))
