"""The Discord bot: an `AutoShardedBot` whose `setup_hook` loads the cogs the command registry names.

Sharded always: without SHARD_COUNT one process holds every shard Discord recommends (one for a small
bot), with SHARD_COUNT/SHARD_IDS it holds the shards given and other processes the rest. Each process
sees only its shards' servers (`self.guilds`), so the digest and reminder loops post only for those;
the database claims still make each post happen once. The index follows the shared database, so a
change committed through any process is found through every one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import discord
from discord.ext import commands

from bot import commands as registry
from bot.commands_sync import sync_if_changed
from bot.config import Settings
from bot.errors import on_app_command_error
from bot.permissions import is_admin
from bot.render import admin_notice_text
from bot.services import Services, services_for, utc_now
from bot.views import TIMEOUT
from store.library import Library

log = logging.getLogger(__name__)


class PaperBot(commands.AutoShardedBot):
    def __init__(self, library: Library, settings: Settings, *, clock: Callable[[], datetime] = utc_now,
                 sync_commands: bool = True) -> None:
        intents = discord.Intents.default()
        intents.message_content = False
        intents.members = False
        intents.presences = False
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, help_command=None,
                         allowed_mentions=discord.AllowedMentions.none(),
                         shard_count=settings.shard_count,
                         shard_ids=list(settings.shard_ids) if settings.shard_ids else None)
        self.library = library
        self.settings = settings
        self.clock = clock
        self.services: Services = services_for(library, settings, clock)
        self.sync_on_start = sync_commands
        self.digest_poll_seconds = 60.0
        self.view_timeout = TIMEOUT  # seconds before result buttons are disabled (tests shorten it)
        self.tree.on_error = on_app_command_error

    async def setup_hook(self) -> None:
        if self.library.snapshot is not None:  # an in-memory database has no other process to follow
            self.library.follow(self.settings.corpus_poll_seconds)
        for name in registry.extensions():  # a module the registry names and that is missing: an error
            await self.load_extension(name)
        missing = set(registry.registry_listing()) - {c.qualified_name for c in self.tree.walk_commands()}
        if missing:
            raise registry.RegistryError(f"bot/commands.py names commands no cog declares: {sorted(missing)}")
        if self.sync_on_start:
            await self.sync_commands()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Register the slash commands with Discord if their definitions changed (see bot.commands_sync)."""
        return await sync_if_changed(self.tree, self.library.sessionmaker, self.settings.guild_id, force=force)

    def is_admin(self, interaction: discord.Interaction) -> bool:
        return is_admin(interaction, self.settings)

    async def pop_admin_notice(self, guild_id: int | None) -> str | None:
        """A problem the digest met since an admin last looked (shown once, then cleared)."""
        if guild_id is None:
            return None
        notice = await self.services.servers.pop_admin_notice(guild_id)
        return admin_notice_text(notice) if notice else None

    async def on_shard_ready(self, shard_id: int) -> None:
        servers = sum(1 for g in self.guilds if g.shard_id == shard_id)
        log.info("shard %d of %s ready: %d server(s)", shard_id, self.shard_count, servers)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d server(s) on shard(s) %s; %d papers", self.user, len(self.guilds),
                 sorted(self.shards), len(self.library.index))
