"""`paperbot doctor`'s results: one line per check, the JSON form, the exit code; and the token's shape.

Pure functions, so the wording and the rules are tested without a database or Discord.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str  # OK, WARN or FAIL
    detail: str


def render(checks: Sequence[Check]) -> str:
    """`ok    settings: valid`: the status first, so `grep FAIL` finds what to fix."""
    return "\n".join(f"{c.status:<4}  {c.name}: {c.detail}" for c in checks)


def as_json(checks: Sequence[Check]) -> dict[str, Any]:
    return {"checks": [asdict(c) for c in checks], "ok": not failed(checks)}


def failed(checks: Sequence[Check]) -> bool:
    return any(c.status == FAIL for c in checks)


def exit_code(checks: Sequence[Check]) -> int:
    """0 when nothing failed (warnings included), 1 when a check failed."""
    return 1 if failed(checks) else 0


def token_check(token: str | None) -> Check:
    """The token's shape, never its text: three dot-separated parts, the first the bot's id in base64. Only a
    warning when it differs: the shape is Discord's habit, not its promise; Discord's answer decides."""
    if token is None:
        return Check("token", OK, "DISCORD_TOKEN not set: `paperbot` starts the console; Discord is not checked")
    first = token.split(".")[0]
    try:
        bot_id = base64.b64decode(first + "=" * (-len(first) % 4), altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        bot_id = ""
    if token.count(".") != 2 or not (bot_id.isascii() and bot_id.isdigit() and 17 <= len(bot_id) <= 20):
        return Check("token", WARN, f"DISCORD_TOKEN (hidden, {len(token)} characters) is not shaped like a bot "
                                    "token (three parts, the first the bot's id): copy it again from the "
                                    "Developer Portal (Bot -> Reset Token)")
    return Check("token", OK, f"DISCORD_TOKEN (hidden) is shaped like the token of the bot with id {bot_id}")
