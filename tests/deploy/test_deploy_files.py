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


def test_install_script_in_a_scratch_prefix(tmp_path: Path) -> None:
    prefix = tmp_path / "root"
    venv = prefix / "opt" / "paperbot" / ".venv"
    # No network here to build a wheel: the venv the script finds already sees this checkout's packages,
    # and pip installs `paperbot` from there (on a server it builds the copied checkout).
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "dev.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (venv / "bin" / "pip").unlink(missing_ok=True)
    done = subprocess.run(["sh", str(ROOT / "deploy" / "install.sh")], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PREFIX": str(prefix), "PACKAGE": "paperbot", "PIP_OPTS": "--no-index"})
    assert done.returncode == 0, done.stderr
    assert (prefix / "etc/systemd/system/paperbot@.service").read_text() == UNIT.read_text()
    env = prefix / "etc/paperbot/paperbot.env"
    assert env.read_text() == ENV_EXAMPLE.read_text() and oct(env.stat().st_mode)[-3:] == "640"
    assert (prefix / "opt/paperbot/bot/cli.py").is_file() and (prefix / "var/lib/paperbot/corpus").is_dir()
    assert not (prefix / "opt/paperbot/.git").exists()
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import bot.cli"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
