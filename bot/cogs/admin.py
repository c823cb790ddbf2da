"""/reload: re-read the corpus folder and swap the index, for admins only."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands import slash
from bot.render import report_message
from store.db.claims import IngestRunning

if TYPE_CHECKING:
    from bot.client import PaperBot

log = logging.getLogger(__name__)


class Admin(commands.Cog):
    def __init__(self, bot: PaperBot) -> None:
        self.bot = bot

    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @slash("reload")
    async def reload(self, interaction: discord.Interaction) -> None:
        if not self.bot.is_admin(interaction):
            log.warning("refused /reload for user %s in guild %s", interaction.user.id, interaction.guild_id)
            await interaction.response.send_message("Only server admins can reload the corpus.", ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            report = await self.bot.services.corpus.reload()
        except IngestRunning:  # another process's ingest outlasted the wait: nothing was read
            await interaction.followup.send("Another ingest is running: nothing was reloaded. Try again when it "
                                            "has finished.", ephemeral=True)
            return
        log.info("reload by %s: %s", interaction.user.id, report.summary_line())
        text = report_message(report)
        notice = await self.bot.pop_admin_notice(interaction.guild_id)
        if notice:
            text = f"{notice}\n\n{text}"[:2000]
        await interaction.followup.send(text, ephemeral=True)


async def setup(bot: PaperBot) -> None:
    await bot.add_cog(Admin(bot))
