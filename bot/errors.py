"""One error handler for every application command: a short ephemeral reply, the details in the log."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.replies import reply_privately
from bot.untrusted import for_discord_line

log = logging.getLogger(__name__)


def message_for(error: app_commands.AppCommandError) -> str:
    if isinstance(error, app_commands.CheckFailure):
        return "You don't have permission to use this command."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't understand “{for_discord_line(str(error.value), 200)}” for that option."
    return "Sorry, something went wrong answering that. The admins can find the details in the bot's log."


async def on_app_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    command = interaction.command.qualified_name if interaction.command else "?"
    if isinstance(error, app_commands.CheckFailure):
        log.info("refused /%s for user %s: %s", command, interaction.user.id, error)
    else:
        log.error("/%s failed for user %s", command, interaction.user.id, exc_info=error)
    text = message_for(error)
    try:  # after a public deferral too: the public "thinking…" goes, the member alone reads why
        await reply_privately(interaction, text)
    except discord.HTTPException:
        log.warning("could not tell user %s about the failure of /%s", interaction.user.id, command)
