"""Settings checked as what they are: weekdays by name, Discord ids by their shape, time zones by name.

Each bad value stops the real command (`python -m bot.cli`, in a scratch folder) with one line naming the
variable, exit 2, no traceback, before anything is made. Before this, `ADMIN_ROLE_IDS=12` and any
prefix of a weekday ("mond", "thurs") were taken silently, and `DIGEST_TIMEZONE=Europe` (a folder of
zones) or a very long name crashed with a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import WEEKDAYS, ConfigError, Settings, _Environment
from store.digest.plan import next_slot

ROOT = Path(__file__).resolve().parent.parent.parent
ID = "123456789012345678"


def paperbot(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in _Environment.model_fields}
    environ.update({"HOME": str(folder), "XDG_DATA_HOME": str(folder / "data"), "PYTHONPATH": str(ROOT), **env})
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=folder,
                          env=environ, timeout=120)


BAD = [
    ("DIGEST_WEEKDAY", "mond"), ("DIGEST_WEEKDAY", "thurs"), ("DIGEST_WEEKDAY", "Montag"), ("DIGEST_WEEKDAY", "7"),
    ("DIGEST_WEEKDAY", "mon,fri"),
    ("ADMIN_ROLE_IDS", "12"), ("ADMIN_USER_IDS", f"{ID},12"), ("ORGANISER_ROLE_IDS", "1234567890123456"),
    ("ADMIN_ROLE_IDS", "1" * 21), ("GUILD_ID", "123456789012345"), ("DIGEST_CHANNEL_ID", "1" * 21),
    ("DIGEST_TIMEZONE", "Mars/Olympus"), ("DIGEST_TIMEZONE", "Europe"), ("DIGEST_TIMEZONE", "x" * 300),
    ("DIGEST_TIMEZONE", "+02:00"),
]


@pytest.mark.parametrize(("name", "raw"), BAD)
def test_a_bad_value_stops_the_command_with_one_line_naming_it(tmp_path: Path, name: str, raw: str) -> None:
    out = paperbot(tmp_path, {name: raw}, "papers")
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith(f"paperbot: configuration error: {name}")
    assert len(out.stderr.splitlines()) == 1 and "Traceback" not in out.stderr
    assert out.stdout == ""
    assert not (tmp_path / "data").exists()  # stopped before a database was made


def test_a_bad_value_in_dotenv_is_named_the_same_way(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ADMIN_ROLE_IDS=12\n", encoding="utf-8")
    out = paperbot(tmp_path, {}, "papers")
    assert (out.returncode, out.stderr.splitlines()) == (2, [
        "paperbot: configuration error: ADMIN_ROLE_IDS must be a comma-separated list of Discord ids (17-20 digit "
        "numbers: Developer Mode, then right-click -> Copy ID), got '12'"])


def test_a_refused_weekday_lists_the_accepted_ones() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"DIGEST_WEEKDAY": "mond"})
    assert str(info.value).startswith("DIGEST_WEEKDAY: expected a weekday: monday, tuesday,")
    assert all(day in str(info.value) for day in WEEKDAYS)


@pytest.mark.parametrize(("raw", "weekday"), [
    ("mon", 0), ("Mon", 0), ("MONDAY", 0), ("tue", 1), ("wed", 2), ("Thu", 3), ("thursday", 3), ("fri", 4),
    ("sat", 5), ("sun", 6), ("Sunday", 6), (" sun ", 6), ("0", 0), ("6", 6),
])
def test_weekday_names_and_their_three_letter_forms(raw: str, weekday: int) -> None:
    assert Settings.from_env({"DIGEST_WEEKDAY": raw}).digest_weekday == weekday


def test_mon_schedules_the_digest_on_a_monday() -> None:
    """The number is the digest's: the next slot for DIGEST_WEEKDAY=mon falls on a Monday."""
    s = Settings.from_env({"DIGEST_WEEKDAY": "mon", "DIGEST_TIME": "09:00", "DIGEST_TIMEZONE": "Europe/Paris"})
    slot = next_slot(datetime(2026, 12, 4, 12, tzinfo=UTC), s.digest_weekday, 9, 0, s.digest_timezone)
    assert slot.astimezone(ZoneInfo("Europe/Paris")).strftime("%A %H:%M") == "Monday 09:00"


@pytest.mark.parametrize("raw", [ID, "12345678901234567", "18446744073709551615", f"{ID}, 223456789012345678"])
def test_real_ids_are_taken(raw: str) -> None:
    s = Settings.from_env({"ADMIN_ROLE_IDS": raw, "GUILD_ID": raw.split(",")[0]})
    assert s.admin_role_ids == frozenset(int(p) for p in raw.split(","))


@pytest.mark.parametrize(("raw", "zone"), [("UTC", "UTC"), ("utc", "UTC"), ("europe/paris", "Europe/Paris"),
                                           ("America/New_York", "America/New_York")])
def test_time_zones_by_name_in_any_case(raw: str, zone: str) -> None:
    assert Settings.from_env({"DIGEST_TIMEZONE": raw}).digest_timezone == zone


def test_an_unknown_zone_is_named_with_the_closest_real_one() -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"DIGEST_TIMEZONE": "Europe/Pari"})
    assert str(info.value) == ("DIGEST_TIMEZONE: unknown time zone 'Europe/Pari' (did you mean Europe/Paris?): "
                               "expected an IANA name such as Europe/Paris or UTC")
