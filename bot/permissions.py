"""Who is an admin: enforced in code, whatever the server's command permission overrides say."""

from __future__ import annotations

import discord

from bot.config import Settings


def is_admin(interaction: discord.Interaction, settings: Settings) -> bool:
    user = interaction.user
    if user.id in settings.admin_user_ids:
        return True
    if not isinstance(user, discord.Member):
        return False  # in DMs nobody administers a server
    if user.guild_permissions.manage_guild:
        return True
    return any(role.id in settings.admin_role_ids for role in user.roles)
