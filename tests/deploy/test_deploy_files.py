"""The deploy files as shipped: the unit's settings, its ExecStart run as written, the install script."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from store.db.models import Document
from store.ingest.records import SEEDS_ROOT
from store.library import Library
from tests.conftest import POSTGRES_ADMIN_URL

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "paperbot@.service"
ENV_EXAMPLE = ROOT / "deploy" / "paperbot.env.example"
TITLE = "Lottery Tickets in a Reading Group's Notes"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def test_unit_restarts_with_backoff_and_stops_only_on_configuration_errors() -> None:
    u = unit()
    service = u["Service"]
    assert service["Restart"] == "on-failure"
    assert service["RestartPreventExitStatus"].split() == ["2"]
    assert 5 <= int(service["RestartSec"]) <= 60
    assert int(u["Unit"]["StartLimitBurst"]) * int(service["RestartSec"]) < int(u["Unit"]["StartLimitIntervalSec"])
    assert service["User"] == "paperbot"
    assert service["WorkingDirectory"] == "/opt/paperbot"
    assert service["ExecStart"] == "/opt/paperbot/.venv/bin/paperbot run"
    assert service["EnvironmentFile"] == "/etc/paperbot/paperbot.env"
    header = UNIT.read_text().split("[Unit]")[0]
    for said in ("paperbot", "/opt/paperbot", ".venv", "/etc/paperbot/paperbot.env", "PostgreSQL", "CORPUS_DIR"):
        assert said in header


def test_env_example_names_a_corpus_and_one_shard() -> None:
    env = env_file(ENV_EXAMPLE)
    assert env["CORPUS_DIR"] and env["SHARD_COUNT"] == "1"
    assert "SQLite" in ENV_EXAMPLE.read_text()
    Settings.from_env({**env, "CORPUS_DIR": str(ROOT), "SHARD_IDS": "0"})  # every value is a valid setting


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # As written, but with /opt/paperbot where this checkout is (verify checks that ExecStart exists).
    (tmp_path / UNIT.name).write_text(UNIT.read_text().replace("/opt/paperbot", str(ROOT)))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", UNIT.name], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def _exec_start(tmp_path: Path, database_url: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """The unit's ExecStart, as written (/opt/paperbot being this checkout), with its env file's settings
    adapted to a scratch folder, no DISCORD_TOKEN, `/paper lottery` on standard input."""
    env = env_file(ENV_EXAMPLE)
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    (corpus / "group.jsonl").write_text(json.dumps(
        {"title": TITLE, "abstract": "Sparse subnetworks found by pruning train as well as the full network.",
         "authors": "Ada Example", "categories": "cs.LG"}) + "\n")
    env.update(DISCORD_TOKEN="", DATABASE_URL=database_url, CORPUS_DIR=str(corpus), SHARD_IDS="0",
               PATH=os.environ.get("PATH", ""), HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"), **extra)
    command = unit()["Service"]["ExecStart"].replace("/opt/paperbot", str(ROOT)).split()
    return subprocess.run(command, input="/paper lottery\n", capture_output=True, text=True, cwd=tmp_path,
                          env=env, timeout=300)


async def test_exec_start_without_a_token_comes_up_migrates_answers_and_holds_no_seed(
        tmp_path: Path, database_url: str) -> None:
    done = _exec_start(tmp_path, database_url)
    assert done.returncode == 0, done.stderr
    assert TITLE in done.stdout and "Traceback" not in done.stdout + done.stderr
    library = Library(database_url, tmp_path / "corpus")
    try:
        async with library.sessionmaker() as s:
            roots = set((await s.scalars(select(Document.root))).all())
        assert SEEDS_ROOT not in roots
        assert [p.title for p in await library.papers()] == [TITLE]
    finally:
        await library.close()
        await library.database.engine.dispose()


async def test_the_bot_without_corpus_dir_never_reads_the_seeds(
        database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("CORPUS_DIR", raising=False)
    library = Library(database_url, seeds=False)
    try:
        await library.start()
        assert await library.papers() == [] and len(library.index) == 0
        report = await library.reload()
        assert report.papers_total == 0 and "CORPUS_DIR" in report.problems[0].message
    finally:
        await library.close()
        await library.database.engine.dispose()
    said = [r for r in caplog.records if "bundled seeds" in r.getMessage()]
    assert len(said) == 1 and "CORPUS_DIR" in said[0].getMessage()


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """deploy/install.sh run as written in a scratch PREFIX (its scratch mode: no user, no systemctl): the PREFIX."""
    prefix = tmp_path_factory.mktemp("deploy") / "root"
    venv = prefix / "opt" / "paperbot" / ".venv"
    # No network here: the venv the script makes sees this test run's packages (its dependencies and the build
    # backend), and the script's pip builds and installs the copied checkout from them, offline.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "dev.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run(["sh", str(ROOT / "deploy" / "install.sh")], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PREFIX": str(prefix),
                               "PIP_OPTS": "--no-index --no-build-isolation --no-deps"})
    assert done.returncode == 0, done.stderr
    assert (venv / "bin" / "paperbot").is_file()  # pip wrote the entry point, from the copy's pyproject.toml
    installed = subprocess.run([str(venv / "bin" / "python"), "-c", "import bot; print(bot.__file__)"],
                               capture_output=True, text=True, check=True, cwd=prefix).stdout
    assert installed.startswith(str(site)), installed  # the copy, installed: not this checkout
    return prefix


def test_install_script_in_a_scratch_prefix(installed: Path) -> None:
    prefix, venv = installed, installed / "opt" / "paperbot" / ".venv"
    assert (prefix / "etc/systemd/system/paperbot@.service").read_text() == UNIT.read_text()
    env = prefix / "etc/paperbot/paperbot.env"
    assert env.read_text() == ENV_EXAMPLE.read_text() and oct(env.stat().st_mode)[-3:] == "640"
    assert (prefix / "opt/paperbot/bot/cli.py").is_file() and (prefix / "var/lib/paperbot/corpus").is_dir()
    assert not (prefix / "opt/paperbot/.git").exists()
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import bot.cli"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_install_script_refuses_a_real_install_without_root() -> None:
    """Without PREFIX it installs for real, so it wants root: anyone else gets one line and exit 2."""
    as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] if os.geteuid() == 0 else []
    if as_nobody and shutil.which("setpriv") is None:
        pytest.skip("root, and no setpriv to run the script as another user")
    done = subprocess.run([*as_nobody, "sh", str(ROOT / "deploy" / "install.sh")], capture_output=True, text=True,
                          timeout=60, cwd="/", env={k: v for k, v in os.environ.items() if k != "PREFIX"})
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "PREFIX" in done.stderr


def _unit_environment(instance: str) -> dict[str, str]:
    """The unit's own `Environment=` lines (configparser keeps only the last of a repeated key), %i filled in."""
    lines = [line.split("=", 1)[1] for line in UNIT.read_text().splitlines() if line.startswith("Environment=")]
    return dict(line.replace("%i", instance).split("=", 1) for line in lines)


def _sqlite_line() -> str:
    """The env example's own SQLite alternative (a comment there), as an admin uncomments it."""
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if line.startswith("# DATABASE_URL=sqlite")]
    assert len(lines) == 1
    return lines[0].removeprefix("# DATABASE_URL=")


@pytest.fixture(params=["sqlite", "postgresql"])
def deployed_database(request: pytest.FixtureRequest) -> str:
    """The database the deploy files name: the env example's SQLite line (its path moved into the scratch
    PREFIX by `_as_installed`), or a fresh database on the PostgreSQL that CI starts (PAPERBOT_TEST_POSTGRES)."""
    if request.param == "sqlite":
        return _sqlite_line()
    if not POSTGRES_ADMIN_URL:
        pytest.skip("PAPERBOT_TEST_POSTGRES is not set: no PostgreSQL server to deploy against")
    return str(request.getfixturevalue("database_url"))


def _as_installed(prefix: Path, text: str) -> str:
    for folder in ("/var/lib/paperbot", "/opt/paperbot", "/etc/paperbot"):
        text = text.replace(folder, str(prefix) + folder)
    return text


def _start_as_the_unit_does(prefix: Path, database: str, stdin: str, **changes: str
                            ) -> subprocess.CompletedProcess[str]:
    """paperbot@0 as systemd would start it from what install.sh put under `prefix`: its EnvironmentFile (with
    `database` as DATABASE_URL, no token, and `changes`), its Environment= lines, WorkingDirectory, ExecStart."""
    service = unit()["Service"]
    env = env_file(Path(_as_installed(prefix, service["EnvironmentFile"])))
    env.update(_unit_environment("0"))
    env = {k: _as_installed(prefix, v) for k, v in env.items()}  # the installed folders, under `prefix`
    env.update(DATABASE_URL=database, DISCORD_TOKEN="", **changes)
    env.update(PATH=os.environ.get("PATH", ""), HOME=str(prefix / "home"))
    command = _as_installed(prefix, service["ExecStart"]).split()
    assert Path(command[0]).is_file()
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=300, env=env,
                          cwd=_as_installed(prefix, service["WorkingDirectory"]))


async def _papers_and_revision(url: str) -> tuple[list[str], set[str], str]:
    """(the titles, the document roots, the schema's state) in the database, read directly."""
    from store.db import migrate
    from store.db.engine import make_engine, normalise_url

    library = Library(normalise_url(url), seeds=False)
    engine = make_engine(normalise_url(url))
    try:
        status = await migrate.status(engine)
        state = "current" if status.state == "versioned" and not status.behind and status.current == status.heads \
            else status.describe()
        async with library.sessionmaker() as s:
            roots = set((await s.scalars(select(Document.root))).all())
        return [p.title for p in await library.papers()], roots, state
    finally:
        await engine.dispose()
        await library.close()


@pytest.mark.parametrize("corpus", ["as shipped", "left empty"])
async def test_the_installed_unit_without_a_token_comes_up_migrates_answers_and_holds_no_seed(
        installed: Path, deployed_database: str, corpus: str) -> None:
    """The ExecStart the unit runs, with the env file install.sh put in place: on a fresh database, the console
    starts (no DISCORD_TOKEN), the schema is migrated, `/stats` is answered, and no bundled seed paper is read
    in, whether CORPUS_DIR names the (empty) corpus folder install.sh made or the admin left it empty."""
    database = _as_installed(installed, deployed_database)
    Path(database.split("///", 1)[-1]).unlink(missing_ok=True)  # each run on a fresh SQLite file
    changes = {"CORPUS_DIR": ""} if corpus == "left empty" else {}
    done = _start_as_the_unit_does(installed, database, "/stats\n/paper lottery\n", **changes)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr and "sqlalchemy." not in done.stderr
    assert "the bundled seeds" not in done.stdout.splitlines()[0]
    assert "starting the console on the database" in done.stdout.splitlines()[0]
    if corpus == "as shipped":
        assert f"the corpus folder {installed / 'var/lib/paperbot/corpus'}" in done.stdout
    else:
        assert "no corpus folder (set CORPUS_DIR for one)" in done.stdout
        assert "CORPUS_DIR" in done.stderr  # the start says how this database gets a corpus
    assert "I know 0 papers by 0 authors on 0 topics" in done.stdout
    titles, roots, state = await _papers_and_revision(database)
    assert state == "current"
    assert titles == [] and SEEDS_ROOT not in roots  # no bundled seed paper


async def test_a_corpus_given_after_install_is_read_and_answers(installed: Path, tmp_path: Path) -> None:
    """The same start with a note in the corpus folder: the group's paper is read in and found, no seed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "group.jsonl").write_text(json.dumps(
        {"title": TITLE, "abstract": "Sparse subnetworks found by pruning train as well as the full network.",
         "authors": "Ada Example", "categories": "cs.LG"}) + "\n")
    database = f"sqlite+aiosqlite:///{tmp_path / 'group.sqlite3'}"
    done = _start_as_the_unit_does(installed, database, "/paper lottery\n", CORPUS_DIR=str(corpus))
    assert done.returncode == 0, done.stderr
    assert TITLE in done.stdout
    titles, roots, state = await _papers_and_revision(database)
    assert (titles, state) == ([TITLE], "current") and SEEDS_ROOT not in roots
