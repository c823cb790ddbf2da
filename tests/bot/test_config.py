"""Settings from the environment and `.env`: defaults, the sharding and corpus-poll settings, one-line
errors that name the variable and never show the token or the database password, and the deploy/ files.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, _Environment
from store.db.engine import normalise_url

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB"
SECRET_URL = "postgresql+asyncpg://paperbot:hunter2secret@db.internal/paperbot"


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No paperbot variable in the process environment, and an empty current folder (no stray .env)."""
    for name in _Environment.model_fields:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    return str(info.value)


def test_defaults_from_an_empty_environment() -> None:
    assert Settings.from_env({}) == Settings()
    s = Settings.from_env({})
    assert (s.token, s.database_url, s.corpus_dir, s.guild_id, s.digest_channel_id) == (None,) * 5
    assert (s.digest_weekday, s.digest_time, s.digest_timezone, s.log_level) == (0, time(9, 0), "UTC", "INFO")
    assert (s.admin_role_ids, s.admin_user_ids, s.organiser_role_ids) == (frozenset(),) * 3
    assert (s.reminder_minutes, s.proposal_days) == ((1440, 60), 28)
    assert (s.shard_count, s.shard_ids, s.corpus_poll_seconds) == (None, None, 5.0)


def test_empty_values_mean_unset() -> None:
    """`.env.example` has `KEY=` lines: copied as they are, they give the defaults."""
    names = _Environment.model_fields
    assert Settings.from_env(dict.fromkeys(names, "")) == Settings()
    assert Settings.from_env(dict.fromkeys(names, "   ")) == Settings()


def test_every_setting_read() -> None:
    role1, role2, role3, u4, o5 = (10**17 + n for n in range(1, 6))  # Discord ids have 17-20 digits
    s = Settings.from_env({"DISCORD_TOKEN": TOKEN, "DATABASE_URL": SECRET_URL, "GUILD_ID": "123456789012345678",
                           "DIGEST_CHANNEL_ID": "223456789012345678", "DIGEST_WEEKDAY": "fri",
                           "DIGEST_TIME": "17:30", "DIGEST_TIMEZONE": "Europe/Paris",
                           "ADMIN_ROLE_IDS": f"{role1}, {role2} {role3}", "ADMIN_USER_IDS": str(u4),
                           "ORGANISER_ROLE_IDS": f"{o5},{o5}",
                           "LOG_LEVEL": "debug", "REMINDER_MINUTES": "30,1440", "PROPOSAL_DAYS": "7",
                           "SHARD_COUNT": "4", "SHARD_IDS": "3,1", "CORPUS_POLL_SECONDS": "0.5"})
    assert s == Settings(token=TOKEN, database_url=SECRET_URL, guild_id=123456789012345678,
                         digest_channel_id=223456789012345678, digest_weekday=4, digest_time=time(17, 30),
                         digest_timezone="Europe/Paris", admin_role_ids=frozenset({role1, role2, role3}),
                         admin_user_ids=frozenset({u4}), organiser_role_ids=frozenset({o5}), log_level="DEBUG",
                         reminder_minutes=(1440, 30), proposal_days=7, shard_count=4, shard_ids=(3, 1),
                         corpus_poll_seconds=0.5)


@pytest.mark.parametrize(("env", "count", "ids"), [
    ({"SHARD_COUNT": "1"}, 1, None),  # one shard, held by this process
    ({"SHARD_COUNT": "2"}, 2, None),  # a count alone: this process holds every shard
    ({"SHARD_COUNT": " 2 ", "SHARD_IDS": "0"}, 2, (0,)),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "1"}, 2, (1,)),
    ({"SHARD_COUNT": "8", "SHARD_IDS": "6, 2 4,,0"}, 8, (6, 2, 4, 0)),
    ({"SHARD_COUNT": "1024", "SHARD_IDS": "1023"}, 1024, (1023,)),
    ({"SHARD_COUNT": "2", "SHARD_IDS": ""}, 2, None),
])
def test_shard_settings(env: dict[str, str], count: int, ids: tuple[int, ...] | None) -> None:
    s = Settings.from_env(env)
    assert (s.shard_count, s.shard_ids) == (count, ids)


@pytest.mark.parametrize(("env", "message"), [
    ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT, the deployment's total number of shards, to be set as well"),
    ({"SHARD_IDS": "0", "SHARD_COUNT": ""}, "SHARD_IDS needs SHARD_COUNT"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "2"},
     "SHARD_IDS: shard 2 does not exist with SHARD_COUNT=2 (ids run from 0 to 1)"),
    ({"SHARD_COUNT": "4", "SHARD_IDS": "0,9"},
     "SHARD_IDS: shard 9 does not exist with SHARD_COUNT=4 (ids run from 0 to 3)"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "-1"},
     "SHARD_IDS: expected shard ids, whole numbers from 0 to 1, got '-1'"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "one"},
     "SHARD_IDS: expected shard ids, whole numbers from 0 to 1, got 'one'"),
    ({"SHARD_COUNT": "2", "SHARD_IDS": "0.5"},
     "SHARD_IDS: expected shard ids, whole numbers from 0 to 1, got '0.5'"),
    ({"SHARD_COUNT": "3", "SHARD_IDS": "1,2,1"}, "SHARD_IDS: shard 1 is listed twice"),
    ({"SHARD_COUNT": "3", "SHARD_IDS": " , "},  # only separators; shown stripped
     "SHARD_IDS: expected shard ids such as 0,1, got ','"),
    ({"SHARD_COUNT": "0"}, "SHARD_COUNT: expected the total number of shards, a whole number of 1 or more, got '0'"),
    ({"SHARD_COUNT": "two"},
     "SHARD_COUNT: expected the total number of shards, a whole number of 1 or more, got 'two'"),
    ({"SHARD_COUNT": "-2", "SHARD_IDS": "0"},
     "SHARD_COUNT: expected the total number of shards, a whole number of 1 or more, got '-2'"),
    ({"CORPUS_POLL_SECONDS": "0.1"}, "CORPUS_POLL_SECONDS: expected a number of seconds from 0.2 to 3600, got '0.1'"),
    ({"CORPUS_POLL_SECONDS": "3601"},
     "CORPUS_POLL_SECONDS: expected a number of seconds from 0.2 to 3600, got '3601'"),
    ({"CORPUS_POLL_SECONDS": "soon"},
     "CORPUS_POLL_SECONDS: expected a number of seconds from 0.2 to 3600, got 'soon'"),
    ({"CORPUS_POLL_SECONDS": "nan"}, "CORPUS_POLL_SECONDS: expected a number of seconds from 0.2 to 3600, got 'nan'"),
    ({"CORPUS_POLL_SECONDS": "inf"}, "CORPUS_POLL_SECONDS: expected a number of seconds from 0.2 to 3600, got 'inf'"),
])
def test_bad_new_settings_are_refused_in_one_line(env: dict[str, str], message: str) -> None:
    text = error(env)
    assert text.startswith(message)
    assert "\n" not in text


@pytest.mark.parametrize(("raw", "seconds"), [("0.2", 0.2), ("5", 5.0), (" 30 ", 30.0), ("3600", 3600.0),
                                              ("1e1", 10.0)])
def test_corpus_poll_seconds(raw: str, seconds: float) -> None:
    assert Settings.from_env({"CORPUS_POLL_SECONDS": raw}).corpus_poll_seconds == seconds


@pytest.mark.parametrize(("name", "raw"), [
    ("DISCORD_TOKEN", "short"), ("DISCORD_TOKEN", TOKEN[:30] + " " + TOKEN[30:]),
    ("LOG_LEVEL", "loud"), ("CORPUS_DIR", "/no/such/folder"),
    ("GUILD_ID", "123"), ("GUILD_ID", "my-server"), ("DIGEST_CHANNEL_ID", "12345678901234567x"),
    ("ADMIN_ROLE_IDS", "1,admins"), ("ADMIN_USER_IDS", "me"), ("ORGANISER_ROLE_IDS", "x"),
    ("DIGEST_WEEKDAY", "someday"), ("DIGEST_WEEKDAY", "7"), ("DIGEST_TIME", "25:00"), ("DIGEST_TIME", "9am"),
    ("DIGEST_TIMEZONE", "Mars/Olympus"), ("REMINDER_MINUTES", "0"), ("REMINDER_MINUTES", "60,soon"),
    ("PROPOSAL_DAYS", "0"), ("PROPOSAL_DAYS", "366"),
    ("SHARD_COUNT", "many"), ("SHARD_IDS", "1"), ("CORPUS_POLL_SECONDS", "0"),
])
def test_every_error_is_one_line_starting_with_the_variable(name: str, raw: str) -> None:
    text = error({name: raw})
    assert text.startswith(name) and text[len(name)] in ": "
    assert "\n" not in text


def test_values_with_line_breaks_still_give_one_line() -> None:
    text = error({"LOG_LEVEL": "info\nwarning"})
    assert text == "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got 'INFO\\nWARNING'"


def test_the_token_and_database_url_stay_out_of_repr_and_errors() -> None:
    good = Settings.from_env({"DISCORD_TOKEN": TOKEN, "DATABASE_URL": SECRET_URL})
    assert (good.token, good.database_url) == (TOKEN, SECRET_URL)
    for text in (repr(good), str(good), repr(dataclasses.replace(good, shard_count=2))):
        assert TOKEN not in text and "hunter2secret" not in text and "db.internal" not in text
    bad_token = TOKEN[:20] + "\t" + TOKEN[20:]
    bad_url = "paperbot:hunter2secret@db.internal/paperbot"
    for env in ({"DISCORD_TOKEN": bad_token, "DATABASE_URL": SECRET_URL},
                {"DISCORD_TOKEN": TOKEN, "DATABASE_URL": SECRET_URL, "SHARD_IDS": "0"}):
        text = error(env)
        assert TOKEN[:20] not in text and TOKEN[20:] not in text
        assert "hunter2secret" not in text and "db.internal" not in text
    # DATABASE_URL is checked where it is used, as --db is (store.db.engine.normalise_url): no password there
    with pytest.raises(ValueError) as refused:
        normalise_url(bad_url)
    assert str(refused.value).startswith("DATABASE_URL") and "hunter2secret" not in str(refused.value)


@pytest.mark.parametrize("raw", ["paperbot.sqlite3", "/srv/paperbot/paperbot.sqlite3", "~/paperbot.sqlite3"])
def test_database_url_takes_a_bare_sqlite_path_as_db_does(raw: str) -> None:
    """The same forms as --db: the setting keeps what was written, and both are normalised in one place."""
    assert Settings.from_env({"DATABASE_URL": raw}).database_url == raw
    url = normalise_url(raw)
    assert url.startswith("sqlite+aiosqlite:///") and url.endswith(Path(raw).name)
    assert Path(url.removeprefix("sqlite+aiosqlite:///")) == Path(raw).expanduser().absolute()


def test_settings_stay_frozen_and_replaceable() -> None:
    s = Settings(guild_id=123456789012345678, shard_count=2, shard_ids=(1,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.shard_count = 3  # type: ignore[misc]
    moved = dataclasses.replace(s, database_url="sqlite+aiosqlite:///other.sqlite3")
    assert (moved.database_url, moved.shard_ids, moved.guild_id) == (
        "sqlite+aiosqlite:///other.sqlite3", (1,), 123456789012345678)


def test_dotenv_in_the_current_folder_is_read(clean_env: Path) -> None:
    (clean_env / ".env").write_text(
        "# comment line\n"
        "SHARD_COUNT=4\n"
        "export SHARD_IDS=2,3\n"  # python-dotenv accepts the shell's `export`
        'DIGEST_TIMEZONE="Europe/Paris"\n'  # and quotes, double
        "DIGEST_TIME='17:30'\n"  # or single
        "LOG_LEVEL=debug # a comment after an unquoted value is dropped\n"
        "PROPOSAL_DAYS = 14\n"  # spaces around =
        "GUILD_ID=\n"  # empty: unset
        "SOMETHING_ELSE=ignored\n",
        encoding="utf-8")
    s = Settings.from_env()
    assert (s.shard_count, s.shard_ids, s.digest_timezone, s.digest_time, s.log_level, s.proposal_days,
            s.guild_id) == (4, (2, 3), "Europe/Paris", time(17, 30), "DEBUG", 14, None)


def test_the_real_environment_wins_over_dotenv(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("SHARD_COUNT=4\nSHARD_IDS=0\nPROPOSAL_DAYS=14\n", encoding="utf-8")
    monkeypatch.setenv("SHARD_IDS", "3")
    monkeypatch.setenv("PROPOSAL_DAYS", "21")
    s = Settings.from_env()
    assert (s.shard_count, s.shard_ids, s.proposal_days) == (4, (3,), 21)


def test_an_empty_real_variable_also_wins_over_dotenv(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a shell's `SHARD_IDS= paperbot run` would expect: set-but-empty is unset, .env is not consulted."""
    (clean_env / ".env").write_text("SHARD_COUNT=4\nSHARD_IDS=1\n", encoding="utf-8")
    monkeypatch.setenv("SHARD_IDS", "")
    assert (Settings.from_env().shard_count, Settings.from_env().shard_ids) == (4, None)


def test_variable_names_are_case_sensitive(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("shard_count=4\n", encoding="utf-8")
    monkeypatch.setenv("proposal_days", "3")
    s = Settings.from_env()
    assert (s.shard_count, s.proposal_days) == (None, 28)


def test_a_bad_value_in_dotenv_names_the_variable(clean_env: Path) -> None:
    (clean_env / ".env").write_text("SHARD_COUNT=2\nSHARD_IDS=0,1,1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^SHARD_IDS: shard 1 is listed twice$"):
        Settings.from_env()


def test_no_dotenv_gives_the_environment_alone(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORPUS_POLL_SECONDS", "2.5")
    assert Settings.from_env() == Settings(corpus_poll_seconds=2.5)


def test_an_explicit_mapping_ignores_dotenv_and_the_environment(clean_env: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (clean_env / ".env").write_text("SHARD_COUNT=4\nPROPOSAL_DAYS=14\n", encoding="utf-8")
    monkeypatch.setenv("LOG_LEVEL", "ERROR")
    monkeypatch.setenv("SHARD_IDS", "99")  # would be refused if it were read
    assert Settings.from_env({}) == Settings()
    assert Settings.from_env({"PROPOSAL_DAYS": "3"}) == Settings(proposal_days=3)


def _env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads this simple file (no quotes in it)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def test_the_deploy_env_example_with_a_units_shard_id(tmp_path: Path) -> None:
    """What a paperbot@0 process sees: the shared file plus the unit's `Environment=SHARD_IDS=%i` (one process,
    as SQLite needs; its CORPUS_DIR made here, as the install does).

    The file's DISCORD_TOKEN= is empty (unset), so nothing in it needs dropping to pass the checks.
    """
    shared = {**_env_file(ROOT / "deploy" / "paperbot.env.example"), "CORPUS_DIR": str(tmp_path)}
    assert shared["SHARD_COUNT"] == "1"
    s = Settings.from_env({**shared, "SHARD_IDS": "0"})
    assert (s.shard_count, s.shard_ids, s.log_level, s.token) == (1, (0,), "INFO", None)
    assert s.database_url == shared["DATABASE_URL"] and "secret" not in repr(s)
    with pytest.raises(ConfigError, match=r"^SHARD_IDS: shard 1 does not exist with SHARD_COUNT=1"):
        Settings.from_env({**shared, "SHARD_IDS": "1"})  # a paperbot@1 the deployment has no room for


def test_the_deploy_env_example_read_as_dotenv(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same file read by from_env() as a .env, the shard id from the real environment as systemd gives it."""
    (clean_env / ".env").write_text((ROOT / "deploy" / "paperbot.env.example").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    monkeypatch.setenv("SHARD_IDS", "0")
    monkeypatch.setenv("CORPUS_DIR", str(clean_env))
    s = Settings.from_env()
    assert (s.shard_count, s.shard_ids) == (1, (0,))


def test_the_systemd_unit_gives_one_shard_per_instance_and_runs_the_bot() -> None:
    lines = (ROOT / "deploy" / "systemd" / "paperbot@.service").read_text(encoding="utf-8").splitlines()
    exec_start = [line for line in lines if line.startswith("ExecStart=")]
    assert len(exec_start) == 1 and exec_start[0].rstrip().endswith("paperbot run")
    assert "Environment=SHARD_IDS=%i" in lines
    assert "EnvironmentFile=/etc/paperbot/paperbot.env" in lines
    assert any(line.startswith("RestartPreventExitStatus=") and "2" in line.split("=", 1)[1].split()
               for line in lines)  # a configuration error (exit 2) is not restarted in a loop


def _paperbot(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in _Environment.model_fields}
    environ.update({"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data"), **env})
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, cwd=tmp_path,
                          env=environ, timeout=120)


def test_the_command_stops_on_a_bad_shard_id_with_one_line_and_exit_2(tmp_path: Path) -> None:
    out = _paperbot(tmp_path, {"SHARD_COUNT": "2", "SHARD_IDS": "2", "DISCORD_TOKEN": TOKEN,
                               "DATABASE_URL": SECRET_URL}, "run")
    assert out.returncode == 2
    assert out.stderr == ("paperbot: configuration error: SHARD_IDS: shard 2 does not exist with SHARD_COUNT=2 "
                          "(ids run from 0 to 1)\n")
    assert out.stdout == ""
    assert not (tmp_path / "data").exists()  # stopped before anything ran: no database made


def test_the_command_reads_dotenv_itself(tmp_path: Path) -> None:
    """No separate .env loading in the command: a bad value in ./.env stops it the same way."""
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nSHARD_IDS=0\n", encoding="utf-8")
    out = _paperbot(tmp_path, {}, "papers")
    assert out.returncode == 2
    assert out.stderr.splitlines() == ["paperbot: configuration error: SHARD_IDS needs SHARD_COUNT, the "
                                       "deployment's total number of shards, to be set as well"]
    assert TOKEN not in out.stderr


def test_the_command_runs_with_good_settings_from_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}\n"
                                   "SHARD_COUNT=2\nSHARD_IDS=1\nCORPUS_POLL_SECONDS=1\n", encoding="utf-8")
    out = _paperbot(tmp_path, {}, "papers", "--json")
    assert out.returncode == 0, out.stderr
    assert out.stdout.lstrip().startswith("[")
    assert (tmp_path / "cli.sqlite3").is_file()


@pytest.mark.parametrize(("name", "raw"), [("SHARD_COUNT", "²"), ("SHARD_COUNT", "٣"), ("GUILD_ID", "١" * 18),
                                           ("ADMIN_ROLE_IDS", "1,²"), ("PROPOSAL_DAYS", "²"),
                                           ("REMINDER_MINUTES", "²"), ("DIGEST_WEEKDAY", "²")])
def test_non_ascii_digits_are_refused_as_config_errors(name: str, raw: str) -> None:
    """Not a bare ValueError from int() (which the command would show as a crash): a ConfigError naming it."""
    assert error({name: raw}).startswith(name)


def test_non_ascii_shard_id_is_refused() -> None:
    assert error({"SHARD_COUNT": "2", "SHARD_IDS": "0,¹"}) == (
        "SHARD_IDS: expected shard ids, whole numbers from 0 to 1, got '¹'")


def test_the_env_example_copied_as_is_gives_the_defaults(clean_env: Path) -> None:
    """`cp .env.example .env` must start: its values are the defaults and its empty lines mean unset."""
    (clean_env / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    assert Settings.from_env() == Settings()


def test_every_variable_read_is_documented_in_the_env_example() -> None:
    documented = set(_env_file(ROOT / ".env.example"))
    assert documented == set(_Environment.model_fields)
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert "Environment=SHARD_IDS=%i" in text and "deploy/systemd/paperbot@.service" in text
