"""The notice of a problem the digest met, as an admin reads it: what, and how long ago."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.render import admin_notice_text
from store.servers.settings import AdminNotice


def test_the_admin_notice_says_how_long_ago_in_the_readers_zone() -> None:
    at = datetime(2026, 12, 3, 9, 15, tzinfo=UTC)
    assert admin_notice_text(AdminNotice("channel not found", at)) == \
        f"⚠ Since you last looked (<t:{int(at.timestamp())}:R>): channel not found"
    assert admin_notice_text(AdminNotice("channel not found", None)) == "⚠ Since you last looked: channel not found"
