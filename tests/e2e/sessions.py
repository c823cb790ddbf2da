"""What the sessions' end-to-end tests share: an organiser's /session commands in a given server, and what
members see of a session in a channel (its announcement, its reminders)."""

from __future__ import annotations

from typing import Any

from bot.client import PaperBot
from tests.e2e.harness import next_tick
from tests.fakediscord import FakeDiscord, User
from tests.fakediscord.server import Guild

HEADS = ("📅", "✅", "❌")  # an announcement: scheduled, discussed, cancelled


async def session(fake: FakeDiscord, sub: str, user: User | None = None, guild: Guild | None = None,
                  **options: Any) -> dict[str, Any]:
    """`/session <sub>` as `user` (default: the admin) in `guild` (default: the first): the reply it gets."""
    rec = await fake.slash(f"session {sub}", user=user or fake.admin, guild=guild, **options)
    return await rec.final()


def announcements(fake: FakeDiscord, channel: int) -> list[dict[str, Any]]:
    return [m for m in fake.messages[channel] if m["content"].startswith(HEADS)]


def reminders(fake: FakeDiscord, channel: int) -> list[dict[str, Any]]:
    return [m for m in fake.messages[channel] if m["content"].startswith("⏰")]


def button_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row["components"]]


async def passes(bot: PaperBot, count: int = 2) -> None:
    """`count` whole passes of the reading group's loop: whatever was due has been acted on."""
    for _ in range(count):
        await next_tick(bot, "ReadingGroup")
