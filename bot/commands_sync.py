"""Register slash commands only when their definitions changed: Discord rate-limits command creation.

It takes the command tree, the database's sessions and the guild, not the bot: bot.client imports this
module, and nothing here needs to know the bot.
"""

from __future__ import annotations

import hashlib
import json
import logging

import discord
from discord import app_commands
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db.settings import get_setting, swap_setting

log = logging.getLogger(__name__)


def commands_payload(tree: app_commands.CommandTree) -> list[dict]:
    return [c.to_dict(tree) for c in tree.get_commands()]


def payload_hash(payload: list[dict]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def sync_if_changed(tree: app_commands.CommandTree, sessions: async_sessionmaker[AsyncSession],
                          guild_id: int | None, *, force: bool = False) -> bool:
    """Sync to `guild_id` (instant) or globally; returns whether anything was sent to Discord.

    Once per deployment, not once per process: the processes that start together with a new command
    tree all see the old hash, and the one whose compare-and-set of the hash succeeds syncs; the
    others leave it to that one. If its sync fails, it puts the old hash back for the next start.
    """
    scope = f"command_hash:{guild_id or 'global'}"
    digest = payload_hash(commands_payload(tree))
    async with sessions() as session, session.begin():
        current = await get_setting(session, scope)
        if current == digest and not force:
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        won = await swap_setting(session, scope, current, digest) or force
    if not won:
        log.info("another process is syncing the slash commands; not syncing")
        return False
    try:
        if guild_id:
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
        else:
            synced = await tree.sync()
    except BaseException:
        async with sessions() as session, session.begin():
            await swap_setting(session, scope, digest, current)
        raise
    log.info("synced %d slash commands (%s)", len(synced), f"guild {guild_id}" if guild_id else "global")
    return True
