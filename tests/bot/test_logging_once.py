"""`paperbot run` logs each event once, in colour only on a terminal, without third-party noise.

The real command (`bot.cli.main(["run"])`) runs in its own process against the local Discord, its
standard error going to a file (as under systemd or `2> bot.log`): before this, the line written by the
CLI's handler came again from discord.py's, coloured because discord.py takes any Docker container for
a colour terminal, and Alembic's "setup plugin" lines and the voice warnings came with them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.fakediscord import TOKEN, FakeDiscord

ROOT = Path(__file__).resolve().parent.parent.parent
ANSI = re.compile(r"\x1b\[")
STAMP = re.compile(r"^\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?\]?\s*")
# `paperbot run`, its Discord pointed at the local one (argv: API base, gateway URL).
LAUNCH = ("import sys\n"
          "from types import SimpleNamespace\n"
          "from tests.fakediscord import pointed_at\n"
          "from bot.cli import main\n"
          "with pointed_at(SimpleNamespace(api_base=sys.argv[1], gateway_url=sys.argv[2])):\n"
          "    sys.exit(main(['run']))\n")


async def run_and_stop(fake: FakeDiscord, folder: Path, database_url: str, **env: str) -> tuple[int, str]:
    """Start `paperbot run` in `folder`, wait until it has connected and registered its commands, stop it
    with SIGTERM; its exit code and what it wrote to standard error."""
    corpus = folder / "corpus"
    corpus.mkdir(exist_ok=True)
    environment = {k: v for k, v in os.environ.items() if k not in {"LOG_LEVEL", "NO_COLOR", "FORCE_COLOR"}}
    environment.update(PYTHONPATH=str(ROOT), DISCORD_TOKEN=TOKEN, DATABASE_URL=database_url,
                       CORPUS_DIR=str(corpus), GUILD_ID=str(fake.guild_id), **env)
    log = folder / "bot.log"
    with log.open("w") as stderr:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", LAUNCH, fake.api_base, fake.gateway_url,
                                                    cwd=folder, env=environment, stdout=stderr, stderr=stderr)
    try:
        for _ in range(600):  # until identified and commands registered, or the process ended
            if (fake.identifies and fake.commands) or proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert fake.identifies and fake.commands, log.read_text()
        while "ready as" not in log.read_text():  # the bot's own ready line: every start-up event is logged
            assert proc.returncode is None, log.read_text()
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return code, log.read_text(encoding="utf-8")


def events(text: str) -> list[str]:
    """The log's lines without their time stamps."""
    return [STAMP.sub("", line) for line in text.splitlines() if line.strip()]


@pytest.fixture
async def fake() -> FakeDiscord:  # type: ignore[misc]
    async with FakeDiscord() as server:
        yield server


async def test_each_start_up_event_is_logged_once_without_colour_or_noise(fake: FakeDiscord, tmp_path: Path,
                                                                          database_url: str) -> None:
    code, text = await run_and_stop(fake, tmp_path, database_url)
    assert code == 0, text
    lines = events(text)
    for event in ("starting:", "ready as", "shutting down", "stopped (database"):
        assert sum(event in line for line in lines) == 1, (event, text)
    assert [line for line, n in Counter(lines).items() if n > 1] == [], text
    assert not ANSI.search(text), "colour codes in a log that is not a terminal"
    assert "setup plugin" not in text
    assert "voice will NOT be supported" not in text
    assert "Traceback" not in text
    assert TOKEN not in text


async def test_the_noise_comes_back_when_asked_for(fake: FakeDiscord, tmp_path: Path, database_url: str) -> None:
    code, text = await run_and_stop(fake, tmp_path, database_url, LOG_LEVEL="DEBUG")
    assert code == 0, text
    assert "setup plugin" in text
    assert not ANSI.search(text)
    assert [line for line, n in Counter(events(text)).items() if n > 1 and "ready as" in line] == []


def test_colour_on_a_terminal_only_and_one_handler_after_two_set_ups(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """On a real terminal (a pty) the lines are coloured, into a file they are not; setting up twice (sync,
    then run) still leaves one handler, so still one line per event."""
    from bot.config import Settings
    from bot.runner import HANDLER_NAME, setup_logging

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    primary, secondary = os.openpty()
    try:
        with os.fdopen(secondary, "w", closefd=False) as terminal, (tmp_path / "file.log").open("w") as file:
            setup_logging(Settings(), stream=terminal)
            setup_logging(Settings(), stream=terminal)
            assert [h.get_name() for h in root.handlers].count(HANDLER_NAME) == 1
            logging.getLogger("paperbot").info("on the terminal")
            terminal.flush()
            assert ANSI.search(os.read(primary, 4096).decode())
            setup_logging(Settings(), stream=file)
            logging.getLogger("paperbot").info("into the file")
        text = (tmp_path / "file.log").read_text()
        assert text.count("into the file") == 1 and not ANSI.search(text)
    finally:
        os.close(primary)
        os.close(secondary)
        root.handlers[:], root.level = saved
