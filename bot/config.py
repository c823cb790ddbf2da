"""Settings from the environment (and an optional `.env` file), checked once at start-up.

Every setting is listed with a comment in `.env.example`. A bad value stops the bot with one line
naming the variable, never a traceback. The token is kept out of `repr` so it cannot reach a log.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ConfigError(ValueError):
    """A setting is invalid; the message names the variable."""


def load_dotenv(path: Path = Path(".env")) -> None:
    """Minimal .env reader: KEY=VALUE lines; the real environment wins."""
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        os.environ.setdefault(key, value)


def _snowflake(env: dict[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not (15 <= len(raw) <= 21):
        raise ConfigError(f"{name} must be a Discord id (a 17-20 digit number), got {raw!r}")
    return int(raw)


def _ids(env: dict[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "").strip()
    if not raw:
        return frozenset()
    out = set()
    for part in re.split(r"[,\s]+", raw):
        if part:
            if not part.isdigit():
                raise ConfigError(f"{name} must be a comma-separated list of Discord ids, got {part!r}")
            out.add(int(part))
    return frozenset(out)


def parse_weekday(raw: str) -> int:
    value = raw.strip().lower()
    if value.isdigit() and 0 <= int(value) <= 6:
        return int(value)
    for i, name in enumerate(WEEKDAYS):
        if len(value) >= 3 and name.startswith(value):
            return i
    raise ValueError(f"expected a weekday (monday..sunday), got {raw!r}")


def parse_time(raw: str) -> time:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", raw)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ValueError(f"expected a time as HH:MM (24-hour), got {raw!r}")
    return time(int(m[1]), int(m[2]))


def parse_timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw.strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"expected an IANA time zone such as Europe/Paris, got {raw!r}") from exc


def _minutes(raw: str) -> tuple[int, ...]:
    parts = [p for p in re.split(r"[,\s]+", raw) if p]
    if not parts or not all(p.isdigit() and 1 <= int(p) <= 10080 for p in parts):
        raise ValueError(f"expected minutes before a session, e.g. 1440,60 (each 1 to 10080), got {raw!r}")
    return tuple(sorted({int(p) for p in parts}, reverse=True))


def _days(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 365:
        raise ValueError(f"expected a number of days from 1 to 365, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    database_url: str | None = field(default=None, repr=False)
    corpus_dir: Path | None = None
    guild_id: int | None = None  # sync commands to this guild only (instant; for development)
    digest_channel_id: int | None = None
    digest_weekday: int = 0
    digest_time: time = time(9, 0)
    digest_timezone: str = "UTC"
    admin_role_ids: frozenset[int] = frozenset()
    admin_user_ids: frozenset[int] = frozenset()
    log_level: str = "INFO"
    # Where /summary upload may fetch attachments from ("host" or "host:port"): Discord's attachment
    # hosts; tests point it at the local Discord's loopback host.
    attachment_hosts: frozenset[str] = frozenset({"cdn.discordapp.com", "media.discordapp.net"})
    organiser_role_ids: frozenset[int] = frozenset()  # may schedule reading-group sessions (besides admins)
    reminder_minutes: tuple[int, ...] = (1440, 60)  # reminders this many minutes before a session
    proposal_days: int = 28  # an open proposal expires after this many days

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)

        def get(name: str) -> str:
            return env.get(name, "").strip()

        def check(name: str, parse, default):  # type: ignore[no-untyped-def]
            raw = get(name)
            if not raw:
                return default
            try:
                return parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{name}: {exc}") from None

        token = get("DISCORD_TOKEN") or None
        if token is not None and (len(token) < 50 or any(c.isspace() for c in token)):
            raise ConfigError("DISCORD_TOKEN does not look like a bot token (copy it from the Developer "
                              "Portal's Bot page)")
        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {level!r}")
        corpus = get("CORPUS_DIR")
        if corpus and not Path(corpus).expanduser().is_dir():
            raise ConfigError(f"CORPUS_DIR: {corpus!r} is not a folder")
        url = get("DATABASE_URL") or None
        if url is not None and "://" not in url:
            raise ConfigError("DATABASE_URL must be a SQLAlchemy async URL such as "
                              "sqlite+aiosqlite:///path/to/paperbot.sqlite3")
        tz = check("DIGEST_TIMEZONE", parse_timezone, None)
        return cls(
            token=token,
            database_url=url,
            corpus_dir=Path(corpus).expanduser() if corpus else None,
            guild_id=_snowflake(env, "GUILD_ID"),
            digest_channel_id=_snowflake(env, "DIGEST_CHANNEL_ID"),
            digest_weekday=check("DIGEST_WEEKDAY", parse_weekday, 0),
            digest_time=check("DIGEST_TIME", parse_time, time(9, 0)),
            digest_timezone=tz.key if tz else "UTC",
            admin_role_ids=_ids(env, "ADMIN_ROLE_IDS"),
            admin_user_ids=_ids(env, "ADMIN_USER_IDS"),
            log_level=level,
            organiser_role_ids=_ids(env, "ORGANISER_ROLE_IDS"),
            reminder_minutes=check("REMINDER_MINUTES", _minutes, (1440, 60)),
            proposal_days=check("PROPOSAL_DAYS", _days, 28),
        )
