"""What an organiser types for a session's time: a date and a 24-hour time, read in the server's time zone."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import parse_time


def parse_date(raw: str) -> tuple[int, int, int]:
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", raw)
    if not m:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {raw!r}")
    return int(m[1]), int(m[2]), int(m[3])


def local_start(date: str, time: str, zone: str) -> datetime:
    """A date and 24-hour time in the server's time zone, as an aware datetime (ValueError if invalid)."""
    y, mo, d = parse_date(date)
    at = parse_time(time)
    try:
        return datetime(y, mo, d, at.hour, at.minute, tzinfo=ZoneInfo(zone))
    except ValueError as exc:
        raise ValueError(f"{date} is not a date") from exc
