"""Private answers after a public deferral, as Discord allows them.

Discord's first follow-up after `defer(thinking=True)` *replaces* the "thinking…" message and keeps the
deferral's visibility: `followup.send(..., ephemeral=True)` after a public deferral is shown to everyone.
So a command that defers publicly (its answer is usually for the channel) and then has only a hint or an
error for the member deletes the public "thinking…" message and sends the hint as an ephemeral
follow-up: with no deferred message left, the follow-up is a message of its own, with its own flags.
"""

from __future__ import annotations

import contextlib

import discord

PUBLIC_DEFERRAL = "paperbot_public_deferral"  # key in Interaction.extras


async def defer_publicly(interaction: discord.Interaction) -> None:
    """Defer with a public "thinking…" message, remembering it so a private answer can replace it."""
    await interaction.response.defer(thinking=True)
    interaction.extras[PUBLIC_DEFERRAL] = True


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    """Tell only the member who asked, whatever the interaction's first response was."""
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True)
        return
    if interaction.extras.pop(PUBLIC_DEFERRAL, False):
        with contextlib.suppress(discord.NotFound):  # already gone: nothing public left to take back
            await interaction.delete_original_response()
    await interaction.followup.send(text, ephemeral=True)
