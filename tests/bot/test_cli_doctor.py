"""`paperbot doctor`: one line per check (settings, token, database, corpus, Discord), changing nothing; exit 0
when nothing failed, 1 when a check failed, 2 when a setting stops it before any check. The real CLI in a
subprocess, on real SQLite files; Discord, where a token is set, at a port where nothing listens (its own
tests against the local Discord: tests/e2e/test_e2e_doctor.py)."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.doctor_checks import token_check
from bot.doctor_discord import INVITE_PERMISSIONS
from tests.cli import run as run_cli
from tests.store.migrations import run_alembic, walk

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"  # the bot 123456789012345678
PASSWORD = "s3cret-Pa55"


def url_of(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`paperbot ARGS` on the test's own SQLite file unless `env` names another database."""
    return run_cli(tmp_path, *args, env={"DATABASE_URL": url_of(tmp_path), **(env or {})})


def unused_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def statuses(stdout: str) -> dict[str, tuple[str, str]]:
    """Each check's (status, detail), from the lines `STATUS  NAME: DETAIL`."""
    out = {}
    for line in stdout.splitlines():
        status, _, rest = line.partition("  ")
        name, _, detail = rest.strip().partition(": ")
        assert status.strip() in ("ok", "warn", "FAIL"), line
        out[name] = (status.strip(), detail)
    return out


def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "summaries"
    folder.mkdir()
    (folder / "attention.md").write_text("# Attention Is All You Need\n\nVaswani et al., 2017\n", encoding="utf-8")
    (folder / "refs.bib").write_text("@article{k, title={Deep Residual Learning}, author={He, Kaiming}, "
                                     "year={2016}}\n", encoding="utf-8")
    (folder / "glossary.tsv").write_text("term\tmeaning\n", encoding="utf-8")  # not a summary: not counted
    return folder


def upgraded(tmp_path: Path) -> None:
    done = run(tmp_path, "db", "upgrade")
    assert done.returncode == 0, done.stderr


def doctor_with_token(tmp_path: Path, *args: str, env: dict[str, str] | None = None
                      ) -> subprocess.CompletedProcess[str]:
    """`paperbot doctor ARGS` with a token, discord.py pointed at a port where nothing listens."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR"}}
    environ.update({"DATABASE_URL": url_of(tmp_path), "HOME": str(tmp_path),
                    "XDG_DATA_HOME": str(tmp_path / "data"), "DISCORD_TOKEN": TOKEN,
                    "PYTHONPATH": str(Path(__file__).resolve().parents[2])})
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "tests.e2e.doctor_process",
                           f"http://127.0.0.1:{unused_port()}/api/v10", "doctor", *args],
                          capture_output=True, text=True, cwd=tmp_path, env=environ, timeout=120)


def test_a_good_setup_passes_every_check(tmp_path: Path) -> None:
    upgraded(tmp_path)
    folder = corpus(tmp_path)
    out = run(tmp_path, "doctor", env={"CORPUS_DIR": str(folder)})
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stderr == ""
    checks = statuses(out.stdout)
    assert list(checks) == ["settings", "token", "database", "corpus"]  # no token: Discord is not asked
    assert {name: status for name, (status, _) in checks.items()} == dict.fromkeys(checks, "ok")
    assert checks["corpus"][1] == (f"CORPUS_DIR: {folder}: 2 readable files (1 skipped: `paperbot check FOLDER` "
                                   "names them)")  # the glossary
    assert "schema up to date" in checks["database"][1] and walk()[-1].revision in checks["database"][1]


def test_json_is_one_object_of_checks(tmp_path: Path) -> None:
    upgraded(tmp_path)
    out = run(tmp_path, "doctor", "--json", "--corpus", str(tmp_path / "gone"))
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert set(data) == {"checks", "ok"} and data["ok"] is False
    assert all(set(c) == {"name", "status", "detail"} for c in data["checks"])
    assert [(c["name"], c["status"]) for c in data["checks"]] == [
        ("settings", "ok"), ("token", "ok"), ("database", "ok"), ("corpus", "FAIL")]
    good = run(tmp_path, "doctor", "--json", "--corpus", str(corpus(tmp_path)))
    assert good.returncode == 0 and json.loads(good.stdout)["ok"] is True


def test_a_missing_or_wrong_corpus_folder_fails(tmp_path: Path) -> None:
    upgraded(tmp_path)
    missing = run(tmp_path, "doctor", "--corpus", str(tmp_path / "gone"))
    assert missing.returncode == 1
    assert statuses(missing.stdout)["corpus"] == (
        "FAIL", f"--corpus: {tmp_path / 'gone'} does not exist: create it, or name the folder of the summaries")
    (tmp_path / "file.md").write_text("# A\n", encoding="utf-8")
    a_file = run(tmp_path, "doctor", "--corpus", str(tmp_path / "file.md"))
    assert a_file.returncode == 1 and statuses(a_file.stdout)["corpus"][0] == "FAIL"
    empty = tmp_path / "empty"
    empty.mkdir()
    none_there = run(tmp_path, "doctor", "--corpus", str(empty))
    assert none_there.returncode == 0 and statuses(none_there.stdout)["corpus"][0] == "warn"


def test_no_corpus_is_fine_for_the_console_and_a_warning_for_the_discord_bot(tmp_path: Path) -> None:
    upgraded(tmp_path)
    console = run(tmp_path, "doctor")
    assert console.returncode == 0 and statuses(console.stdout)["corpus"][0] == "ok"
    bot = doctor_with_token(tmp_path)
    assert bot.returncode == 0, bot.stdout + bot.stderr
    assert statuses(bot.stdout)["corpus"] == ("warn", "none configured: the Discord bot will have only members' "
                                                      "summaries; set CORPUS_DIR")


def test_a_missing_sqlite_file_is_a_warning_and_is_not_created(tmp_path: Path) -> None:
    database = tmp_path / "not" / "yet" / "paperbot.sqlite3"
    out = run(tmp_path, "doctor", env={"DATABASE_URL": f"sqlite+aiosqlite:///{database}"})
    assert out.returncode == 0, out.stdout + out.stderr
    assert statuses(out.stdout)["database"] == (
        "warn", f"DATABASE_URL: {database} does not exist yet; the first start creates it")
    assert not database.exists() and not (tmp_path / "not").exists()
    default = run(tmp_path, "doctor", env={"DATABASE_URL": ""})  # the default file in the data folder
    assert statuses(default.stdout)["database"][0] == "warn"
    assert not (tmp_path / "data").exists()


def test_an_unreachable_postgresql_fails_in_one_line_naming_the_setting(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://paperbot:{PASSWORD}@127.0.0.1:{unused_port()}/paperbot"
    out = run(tmp_path, "doctor", env={"DATABASE_URL": url})
    assert out.returncode == 1
    status, detail = statuses(out.stdout)["database"]
    assert status == "FAIL" and detail.startswith("DATABASE_URL: cannot reach the database postgresql+asyncpg://"
                                                  "paperbot:***@127.0.0.1:")
    for text in (out.stdout, out.stderr):
        assert "Traceback" not in text and "sqlalchemy" not in text.lower() and PASSWORD not in text
    given = run(tmp_path, "doctor", "--db", url)
    assert given.returncode == 1 and statuses(given.stdout)["database"][1].startswith("--db: cannot reach")


def test_a_bad_database_url_is_a_failed_check_not_a_stop(tmp_path: Path) -> None:
    for url in ("mysql://paperbot@127.0.0.1/paperbot", "not a url at all://", str(tmp_path)):
        out = run(tmp_path, "doctor", env={"DATABASE_URL": url})
        assert out.returncode == 1, (url, out.stdout, out.stderr)
        status, detail = statuses(out.stdout)["database"]
        assert status == "FAIL" and detail.startswith("DATABASE_URL"), (url, detail)
        assert list(statuses(out.stdout)) == ["settings", "token", "database", "corpus"]  # the others still ran
        assert "Traceback" not in out.stdout + out.stderr and "sqlalchemy" not in (out.stdout + out.stderr).lower()


async def test_a_database_behind_is_a_warning_and_is_left_behind(tmp_path: Path) -> None:
    url = url_of(tmp_path)
    older = walk()[-2].revision
    await run_alembic(url, older)
    out = run(tmp_path, "doctor")
    assert out.returncode == 0, out.stdout + out.stderr
    assert statuses(out.stdout)["database"] == (
        "warn", f"DATABASE_URL: {url}: 1 revision behind: run `paperbot db upgrade` (every start does it too)")
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:  # the doctor did not upgrade it
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(older,)]
    await run_alembic(url, walk()[-4].revision, "downgrade")
    assert "3 revisions behind" in statuses(run(tmp_path, "doctor").stdout)["database"][1]


def test_a_database_newer_than_this_paperbot_fails(tmp_path: Path) -> None:
    upgraded(tmp_path)
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    out = run(tmp_path, "doctor")
    assert out.returncode == 1
    status, detail = statuses(out.stdout)["database"]
    assert status == "FAIL" and detail.endswith("newer than this paperbot: upgrade paperbot")


def test_an_empty_database_is_a_warning(tmp_path: Path) -> None:
    sqlite3.connect(tmp_path / "cli.sqlite3").close()
    out = run(tmp_path, "doctor")
    assert out.returncode == 0
    assert statuses(out.stdout)["database"][0] == "warn"
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:  # still empty: nothing created
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_a_setting_that_stops_everything_exits_2(tmp_path: Path) -> None:
    out = run(tmp_path, "doctor", env={"DIGEST_WEEKDAY": "mond"})
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("paperbot: configuration error: DIGEST_WEEKDAY")


def test_the_token_is_checked_by_its_shape_and_never_shown(tmp_path: Path) -> None:
    upgraded(tmp_path)
    shaped = doctor_with_token(tmp_path)
    assert shaped.returncode == 0, shaped.stdout + shaped.stderr
    checks = statuses(shaped.stdout)
    assert checks["token"] == ("ok", "DISCORD_TOKEN (hidden) is shaped like the token of the bot with id "
                                     "123456789012345678")
    assert checks["discord"][0] == "warn" and checks["discord"][1].startswith("Discord could not be reached")
    odd = "x" * 59 + ".y"  # long enough for the settings, not a bot token's shape
    unusual = doctor_with_token(tmp_path, env={"DISCORD_TOKEN": odd})
    assert statuses(unusual.stdout)["token"][0] == "warn"
    for out, token in ((shaped, TOKEN), (unusual, odd)):
        for secret in (token, token[:20], token[-20:]):
            assert secret not in out.stdout + out.stderr


def test_token_shapes() -> None:
    assert token_check(None).status == "ok"
    assert token_check(TOKEN).status == "ok"
    assert token_check("MTIzNDU2Nzg5MDEyMzQ1Njc4." + "a" * 60).status == "warn"  # two parts
    assert token_check("aGVsbG8gd29ybGQgaGVsbG8.GhIjKl." + "a" * 40).status == "warn"  # "hello world...": no id
    assert token_check("MTIz.GhIjKl." + "a" * 60).status == "warn"  # "123": too short for an id
    assert all(TOKEN not in token_check(t).detail for t in (TOKEN, None))


def test_the_needed_permissions_are_the_readmes_invite() -> None:
    assert INVITE_PERMISSIONS == 17910013709312
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert str(INVITE_PERMISSIONS) in readme
