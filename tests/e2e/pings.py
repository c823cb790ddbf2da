"""What could ping in a message the bot sent, for the end-to-end tests.

Discord notifies for the mentions in a message's *content* that its `allowed_mentions` lets through;
mentions in embeds never notify. So "this message pings nobody" is only worth asserting on what could
ping: the content (with the member's text in it, where the test can put it there), the allowed_mentions
the bot sent, and the local Discord's own record of every ping in every body it accepted (`fake.pings`).
A `not would_ping(message)` on a message whose member text sits in embeds alone passes whatever the bot does.
"""

from __future__ import annotations

from typing import Any

from tests.fakediscord import FakeDiscord, would_ping
from tests.fakediscord.markdown import Mention, server_mentions


def lets_nothing_through(message: dict[str, Any]) -> bool:
    """The allowed_mentions the bot sent name no kind and no id: no mention in the content could notify."""
    allowed = message.get("allowed_mentions")
    return allowed is not None and not any(allowed.get(k) for k in ("parse", "users", "roles", "replied_user"))


def assert_cannot_ping(message: dict[str, Any], *, shown: set[int] | frozenset[int] = frozenset()) -> None:
    """Nobody is notified by `message`, nor would be if a member's text reached its content: its
    allowed_mentions as sent let nothing through, and its content holds no mention Discord's server would
    find but the users in `shown` (a presenter named, not pinged)."""
    assert lets_nothing_through(message), message.get("allowed_mentions")
    found = server_mentions(message.get("content") or "")
    assert set(found) <= {Mention("user", u) for u in shown}, (found, message.get("content"))
    assert not would_ping(message)


def pinged(fake: FakeDiscord) -> list[Mention]:
    """Every ping the local Discord recorded, in every message, follow-up and edit the bot sent."""
    return [m for _where, m in fake.pings]
