"""Settings from the environment (and an optional `.env` file), checked once at start-up.

Every setting is listed with a comment in `.env.example`. A bad value stops the bot with one line
naming the variable, never a traceback. The token and the database URL (which may hold a password) are
kept out of `repr` and of every error message so they cannot reach a log.

pydantic-settings (python-dotenv underneath) reads the variables; this module checks them, so that an
error is one line of ours rather than a pydantic report.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Discord ids (snowflakes): 17 digits for the oldest (2015), 20 at most (a 64-bit number).
SNOWFLAKE_DIGITS = (17, 20)


class ConfigError(ValueError):
    """A setting is invalid; the message is one line and starts with the variable's name."""


class _Environment(BaseSettings):
    """The raw text of every variable paperbot reads, from the process environment and `.env`.

    Every field is a plain string so that reading never fails on a value; `Settings.from_env` checks
    them. The real environment wins over `.env` (pydantic-settings' source order); other variables in
    either are ignored.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", case_sensitive=True,
                                      extra="ignore")

    DISCORD_TOKEN: str | None = None
    DATABASE_URL: str | None = None
    CORPUS_DIR: str | None = None
    CORPUS_POLL_SECONDS: str | None = None
    GUILD_ID: str | None = None
    DIGEST_CHANNEL_ID: str | None = None
    DIGEST_WEEKDAY: str | None = None
    DIGEST_TIME: str | None = None
    DIGEST_TIMEZONE: str | None = None
    ADMIN_ROLE_IDS: str | None = None
    ADMIN_USER_IDS: str | None = None
    ORGANISER_ROLE_IDS: str | None = None
    REMINDER_MINUTES: str | None = None
    PROPOSAL_DAYS: str | None = None
    LOG_LEVEL: str | None = None
    SHARD_COUNT: str | None = None
    SHARD_IDS: str | None = None
    MEANING: str | None = None


def read_environment() -> dict[str, str]:
    """The variables paperbot reads that are set in the process environment or in `./.env`."""
    try:
        values = _Environment().model_dump(exclude_none=True)
    except ValidationError as exc:  # not expected (every field is text); still one line, without the value
        first = exc.errors()[0]
        raise ConfigError(f"{'.'.join(map(str, first['loc'])) or '.env'}: {first['msg']}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f".env: cannot be read ({exc.__class__.__name__})") from None
    return values


VARIABLES = tuple(_Environment.model_fields)
ENVIRONMENT, DOTENV, DEFAULT = "environment", ".env", "default"


def sources(environ: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> dict[str, str]:
    """Where each variable's value comes from, as `read_environment` reads them: the process environment
    wins over `.env`; a value that is empty or only spaces counts as unset (the default)."""
    from dotenv import dotenv_values

    environ = os.environ if environ is None else environ
    try:
        in_file = {k: v for k, v in dotenv_values(dotenv).items() if v is not None} if dotenv.is_file() else {}
    except (OSError, UnicodeDecodeError):
        in_file = {}
    out = {}
    for name in VARIABLES:
        value, source = (environ[name], ENVIRONMENT) if name in environ else (in_file.get(name, ""), DOTENV)
        out[name] = source if value.strip() else DEFAULT
    return out


def _items(raw: str) -> list[str]:
    """The parts of a comma- or space-separated list."""
    return [part for part in re.split(r"[,\s]+", raw) if part]


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²" and other digits int() refuses."""
    return text.isascii() and text.isdigit()


def _is_snowflake(text: str) -> bool:
    """What Discord's ids look like: "12" or a pasted phone number is a copying mistake, not an id."""
    return _digits(text) and SNOWFLAKE_DIGITS[0] <= len(text) <= SNOWFLAKE_DIGITS[1]


def _snowflake(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    if not _is_snowflake(raw):
        raise ConfigError(f"{name} must be a Discord id (a 17-20 digit number: Developer Mode, then right-click "
                          f"-> Copy ID), got {raw!r}")
    return int(raw)


def _ids(env: Mapping[str, str], name: str) -> frozenset[int]:
    raw = env.get(name, "").strip()
    if not raw:
        return frozenset()
    out = set()
    for part in _items(raw):
        if not _is_snowflake(part):
            raise ConfigError(f"{name} must be a comma-separated list of Discord ids (17-20 digit numbers: "
                              f"Developer Mode, then right-click -> Copy ID), got {part!r}")
        out.add(int(part))
    return frozenset(out)


# Each weekday by its full English name and its three-letter form; digits are Python's (0 is Monday).
WEEKDAY_NAMES = {form: i for i, day in enumerate(WEEKDAYS) for form in (day, day[:3])}


def parse_weekday(raw: str) -> int:
    """A day by name ("monday" or "mon", any case) or 0-6 from Monday. Other prefixes ("mond", "thurs") and
    other languages are refused, with the list, rather than guessed."""
    value = raw.strip().lower()
    if _digits(value) and 0 <= int(value) <= 6:
        return int(value)
    if value in WEEKDAY_NAMES:
        return WEEKDAY_NAMES[value]
    raise ValueError(f"expected a weekday: {', '.join(WEEKDAYS)} (or mon, tue, wed, thu, fri, sat, sun; or 0-6 "
                     f"from Monday), got {raw!r}")


def parse_time(raw: str) -> time:
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", raw)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ValueError(f"expected a time as HH:MM (24-hour), got {raw!r}")
    return time(int(m[1]), int(m[2]))


def parse_timezone(raw: str) -> ZoneInfo:
    """An IANA zone; a name that differs only in case ("utc", "europe/paris") is taken as the real one."""
    name = raw.strip()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder ("Europe"), a name too long
        pass
    known = available_timezones()
    by_case = {key.lower(): key for key in known}
    if name.lower() in by_case:
        return ZoneInfo(by_case[name.lower()])
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ValueError(f"unknown time zone {raw!r}{hint}: expected an IANA name such as Europe/Paris or UTC")


def _minutes(raw: str) -> tuple[int, ...]:
    parts = _items(raw)
    if not parts or not all(_digits(p) and 1 <= int(p) <= 10080 for p in parts):
        raise ValueError(f"expected minutes before a session, e.g. 1440,60 (each 1 to 10080), got {raw!r}")
    return tuple(sorted({int(p) for p in parts}, reverse=True))


def _days(raw: str) -> int:
    if not _digits(raw) or not 1 <= int(raw) <= 365:
        raise ValueError(f"expected a number of days from 1 to 365, got {raw!r}")
    return int(raw)


def _shard_count(raw: str) -> int:
    if not _digits(raw) or int(raw) < 1:
        raise ValueError(f"expected the total number of shards, a whole number of 1 or more, got {raw!r}")
    return int(raw)


def _shard_ids(raw: str, count: int) -> tuple[int, ...]:
    """The shards this process holds, in the order given; each must be one of the deployment's shards."""
    parts = _items(raw)
    if not parts:
        raise ValueError(f"expected shard ids such as 0,1, got {raw!r}")
    out: list[int] = []
    for part in parts:
        if not _digits(part):
            raise ValueError(f"expected shard ids, whole numbers from 0 to {count - 1}, got {part!r}")
        shard = int(part)
        if shard >= count:
            raise ValueError(f"shard {shard} does not exist with SHARD_COUNT={count} (ids run from 0 to "
                             f"{count - 1})")
        if shard in out:
            raise ValueError(f"shard {shard} is listed twice")
        out.append(shard)
    return tuple(out)


SWITCH = {"on": True, "off": False}


def _switch(raw: str) -> bool:
    """`on` or `off`, any case: a switch that guesses ("yes", "1") would hide a typo in a setting."""
    value = SWITCH.get(raw.strip().lower())
    if value is None:
        raise ValueError(f"expected on or off, got {raw!r}")
    return value


def _poll_seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0.2 <= value <= 3600:  # also refuses nan and inf
        raise ValueError(f"expected a number of seconds from 0.2 to 3600, got {raw!r}")
    return value


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
    # Sharding: the deployment's total shard count and the shards this process holds. None and None: one
    # process, as many shards as Discord recommends; a count and no ids: this process holds them all.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    # How often a process on SQLite looks for another process's corpus change (PostgreSQL notifies).
    corpus_poll_seconds: float = 5.0
    # Meaning beside BM25 (issue 28): /similar, "Papers like this one", /propose's closest discussed papers,
    # /topic's fusion. Off: every ranking is exactly BM25's and /similar says how to turn it on.
    meaning: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Check the settings: with env=None the process environment and `./.env`, else only `env`."""
        env = read_environment() if env is None else dict(env)

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
        # Checked where it is used, in the same forms as --db (a bare path is a SQLite file): store.db.engine's
        # normalise_url, through bot.admin_errors.checked_database_url for the CLI.
        url = get("DATABASE_URL") or None
        tz = check("DIGEST_TIMEZONE", parse_timezone, None)
        shard_count = check("SHARD_COUNT", _shard_count, None)
        if get("SHARD_IDS") and shard_count is None:  # discord.py needs the total to place the given shards
            raise ConfigError("SHARD_IDS needs SHARD_COUNT, the deployment's total number of shards, to be set "
                              "as well")
        shard_ids = check("SHARD_IDS", lambda raw: _shard_ids(raw, shard_count), None)
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
            shard_count=shard_count,
            shard_ids=shard_ids,
            corpus_poll_seconds=check("CORPUS_POLL_SECONDS", _poll_seconds, 5.0),
            meaning=check("MEANING", _switch, True),
        )
