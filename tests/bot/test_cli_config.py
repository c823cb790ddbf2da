"""`paperbot config`: each setting as it takes effect and where it came from (environment, .env, default),
with the token and a database password never printed."""

from __future__ import annotations

from pathlib import Path

from tests.cli import run

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
PASSWORD = "s3cret-Pa55"


def _rows(stdout: str) -> dict[str, tuple[str, str]]:
    """Each variable's shown value and [source]."""
    rows = {}
    for line in stdout.splitlines():
        if line and not line.startswith("[") and line.endswith("]"):
            name, _, rest = line.partition(" ")
            value, _, source = rest.strip().rpartition("  [")
            rows[name] = (value.strip(), source.rstrip("]"))
    return rows


def test_config_says_where_each_setting_came_from_and_hides_secrets(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DIGEST_WEEKDAY=tue\nDISCORD_TOKEN={TOKEN}\n", encoding="utf-8")
    url = f"postgresql+asyncpg://paperbot:{PASSWORD}@db.example:5432/paperbot"
    out = run(tmp_path, "config", env={"GUILD_ID": "123456789012345678", "DATABASE_URL": url,
                                       "DIGEST_WEEKDAY": ""})  # empty in the environment: .env's does not count
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    rows = _rows(out.stdout)
    assert rows["GUILD_ID"] == ("123456789012345678", "environment")
    assert rows["DISCORD_TOKEN"] == ("(set, hidden)", ".env")
    assert rows["PROPOSAL_DAYS"] == ("28", "default")
    assert rows["DIGEST_WEEKDAY"] == ("monday", "default")
    assert rows["DATABASE_URL"] == ("postgresql+asyncpg://paperbot:***@db.example:5432/paperbot", "environment")
    assert TOKEN not in out.stdout and TOKEN[:20] not in out.stdout and PASSWORD not in out.stdout


def test_config_takes_dotenv_values_and_the_command_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DIGEST_WEEKDAY=tue\nREMINDER_MINUTES=60, 1440\n", encoding="utf-8")
    database = tmp_path / "other.sqlite3"
    out = run(tmp_path, "config", "--db", f"sqlite+aiosqlite:///{database}")
    assert out.returncode == 0, out.stderr
    rows = _rows(out.stdout)
    assert rows["DIGEST_WEEKDAY"] == ("tuesday", ".env")
    assert rows["REMINDER_MINUTES"] == ("1440,60", ".env")  # as it takes effect: sorted, latest first
    assert rows["DATABASE_URL"] == (f"sqlite+aiosqlite:///{database}", "command line")
    assert rows["DISCORD_TOKEN"] == ("(not set: the console instead of Discord)", "default")
    assert not database.exists()  # config opens no database


def test_config_refuses_a_bad_setting_naming_it(tmp_path: Path) -> None:
    out = run(tmp_path, "config", env={"DIGEST_WEEKDAY": "mond"})
    assert out.returncode == 2
    assert out.stderr.startswith("paperbot: configuration error: DIGEST_WEEKDAY") and out.stdout == ""


def test_config_shows_a_bare_path_as_the_sqlite_url_it_becomes_and_no_seeds_for_a_named_database(
        tmp_path: Path) -> None:
    for given, expected in [("db/group.sqlite3", tmp_path / "db" / "group.sqlite3"),
                            ("/srv/paperbot/x.sqlite3", Path("/srv/paperbot/x.sqlite3"))]:
        out = run(tmp_path, "config", env={"DATABASE_URL": given})
        assert out.returncode == 0, out.stderr
        rows = _rows(out.stdout)
        assert rows["DATABASE_URL"] == (f"sqlite+aiosqlite:///{expected}", "environment")
        assert rows["CORPUS_DIR"] == ("(none: the bundled seeds only in the console demo)", "default")
    out = run(tmp_path, "config", env={"DATABASE_URL": "mysql://u:Pa55w0rd@h/db"})  # shown as unusable, and why
    assert out.returncode == 0 and "Pa55w0rd" not in out.stdout + out.stderr
    value, source = _rows(out.stdout)["DATABASE_URL"]
    assert value.startswith("(not usable: DATABASE_URL names a 'mysql' database") and source == "environment"
