"""`paperbot doctor` against the local Discord: the bot's identity, and in each configured channel
(DIGEST_CHANNEL_ID and the servers' own, from the database) the permissions it lacks, by Discord's names; a
refused token fails, Discord not answering is a warning. The real CLI in a process of its own
(tests/e2e/doctor_process.py points discord.py at the local Discord), on a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from store.db import migrate
from store.db.engine import make_engine, make_sessionmaker
from store.servers.service import Servers
from store.servers.settings import Schedule
from tests.fakediscord import FakeDiscord
from tests.fakediscord.openapi import operation
from tests.fakediscord.permissions import ADMINISTRATOR

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0123456789AB"
ROOT = Path(__file__).resolve().parents[2]


class DoctorsDiscord(FakeDiscord):
    """The local Discord with the two reads only the doctor makes (the bot learns both from its gateway):
    GET /guilds/{id}/roles and GET /guilds/{id}/members/{user_id}, answered from the fake's own server state."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._operations += [operation("list_guild_roles"), operation("get_guild_member")]

    async def _op_list_guild_roles(self, params: dict[str, str], _body: Any) -> web.Response:
        return self._json(self._roles(self.guilds[int(params["guild_id"])]))

    async def _op_get_guild_member(self, params: dict[str, str], _body: Any) -> web.Response:
        guild, user_id = self.guilds[int(params["guild_id"])], int(params["user_id"])
        member = self.members.get(user_id)
        if member is None or not self.is_member(user_id, guild):
            return self._error(404, 10007, "Unknown Member")
        return self._json(self._member_payload(member, guild))


async def database_with_channels(tmp_path: Path, channels: dict[int, int]) -> str:
    """A SQLite database at the newest revision where each server (id -> channel id) chose its channel."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'doctor.sqlite3'}"
    engine = make_engine(url)
    try:
        await migrate.upgrade(engine)
        servers = Servers(make_sessionmaker(engine), Schedule(None, 0, 9, 0, "UTC"), lambda: datetime.now(UTC))
        for guild_id, channel_id in channels.items():
            await servers.change(guild_id, channel_id=channel_id)
    finally:
        await engine.dispose()
    return url


async def doctor(tmp_path: Path, api_base: str, url: str, *args: str, env: dict[str, str] | None = None
                 ) -> tuple[int, str, str]:
    """`paperbot doctor ARGS` pointed at `api_base`: (exit code, stdout, stderr)."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN", "DATABASE_URL", "CORPUS_DIR",
                                                               "DIGEST_CHANNEL_ID"}}
    environ.update({"DATABASE_URL": url, "DISCORD_TOKEN": TOKEN, "HOME": str(tmp_path), "PYTHONPATH": str(ROOT),
                    "XDG_DATA_HOME": str(tmp_path / "data"), **(env or {})})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.e2e.doctor_process", api_base, "doctor", *args, cwd=tmp_path, env=environ,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def lines(stdout: str) -> list[tuple[str, str, str]]:
    """(status, check, detail) per line."""
    out = []
    for line in stdout.splitlines():
        status, _, rest = line.partition("  ")
        name, _, detail = rest.strip().partition(": ")
        out.append((status.strip(), name, detail))
    return out


def discord_lines(stdout: str) -> list[tuple[str, str, str]]:
    return [line for line in lines(stdout) if line[1] == "discord" or line[1].startswith("channel ")]


async def test_each_configured_channel_is_checked_and_a_denied_permission_named(tmp_path: Path) -> None:
    async with DoctorsDiscord(token=TOKEN) as fake:
        other = fake.add_guild("Another Group")
        group_channel = other.channels["reading-group"]
        url = await database_with_channels(tmp_path, {other.id: group_channel})
        general = fake.channels["general"]
        env = {"DIGEST_CHANNEL_ID": str(general)}

        code, out, err = await doctor(tmp_path, fake.api_base, url, env=env)
        assert code == 0, out + err
        assert err == ""  # nothing but the checks: no discord.py warnings
        assert discord_lines(out) == [
            ("ok", "discord", f"logged in as paperbot (id {fake.bot_user.id})"),
            ("ok", f"channel #general {general} (DIGEST_CHANNEL_ID)", "the bot has every permission it needs"),
            ("ok", f"channel #reading-group {group_channel} (the channel of server {other.id})",
             "the bot has every permission it needs")]

        await fake.deny_bot("SEND_MESSAGES", channel=group_channel, guild=other)  # the bot's own overwrite
        code, out, err = await doctor(tmp_path, fake.api_base, url, env=env)
        assert code == 1, out + err
        assert discord_lines(out)[1][0] == "ok"
        assert discord_lines(out)[2] == (
            "FAIL", f"channel #reading-group {group_channel} (the channel of server {other.id})",
            "the bot lacks Send Messages: grant it to its role or in the channel's permissions")

        await fake.allow_bot("SEND_MESSAGES", channel=group_channel, guild=other)
        assert (await doctor(tmp_path, fake.api_base, url, env=env))[0] == 0


async def test_role_and_everyone_overwrites_and_server_wide_permissions_count(tmp_path: Path) -> None:
    async with DoctorsDiscord(token=TOKEN) as fake:
        url = await database_with_channels(tmp_path, {})
        guild, general = fake.first_guild, fake.channels["general"]
        env = {"DIGEST_CHANNEL_ID": str(general)}
        await fake.deny_bot("CREATE_PUBLIC_THREADS", "EMBED_LINKS")  # off the bot's role and @everyone
        code, out, _ = await doctor(tmp_path, fake.api_base, url, env=env)
        assert code == 1
        assert discord_lines(out)[1][2].startswith("the bot lacks Embed Links, Create Public Threads:")

        await fake.allow_bot("CREATE_PUBLIC_THREADS", "EMBED_LINKS")
        await fake.set_overwrite(general, guild.id, 0, deny=1 << 16)  # @everyone: no Read Message History here
        code, out, _ = await doctor(tmp_path, fake.api_base, url, env=env)
        assert code == 1 and discord_lines(out)[1][2].startswith("the bot lacks Read Message History:")
        await fake.set_overwrite(general, guild.bot_role, 0, allow=1 << 16)  # its role's overwrite wins
        assert (await doctor(tmp_path, fake.api_base, url, env=env))[0] == 0
        await fake.set_overwrite(general, guild.bot_role, 0, deny=1 << 38)  # now only a denial: both missing
        code, out, _ = await doctor(tmp_path, fake.api_base, url, env=env)
        assert code == 1 and discord_lines(out)[1][2].startswith("the bot lacks Read Message History, Send "
                                                                 "Messages in Threads:")

        guild.bot_permissions |= ADMINISTRATOR  # an administrator: every overwrite ignored
        assert (await doctor(tmp_path, fake.api_base, url, env=env))[0] == 0


async def test_a_channel_the_bot_cannot_see_or_that_does_not_exist_fails(tmp_path: Path) -> None:
    async with DoctorsDiscord(token=TOKEN) as fake:
        url = await database_with_channels(tmp_path, {})
        general = fake.channels["general"]
        await fake.deny_bot("VIEW_CHANNEL", channel=general)
        code, out, _ = await doctor(tmp_path, fake.api_base, url, env={"DIGEST_CHANNEL_ID": str(general)})
        assert code == 1
        assert discord_lines(out)[1] == ("FAIL", f"channel {general} (DIGEST_CHANNEL_ID)",
                                         "the bot cannot see this channel: missing View Channels (or it is not in "
                                         "that server: invite it)")
        await fake.allow_bot("VIEW_CHANNEL", channel=general)
        fake.fail_next("GET", f"/channels/{general}", 400)  # an answer the doctor cannot read: not checked
        code, out, _ = await doctor(tmp_path, fake.api_base, url, env={"DIGEST_CHANNEL_ID": str(general)})
        assert code == 0 and discord_lines(out)[1][0] == "warn"
        assert discord_lines(out)[1][2].startswith("Discord answered 400:")
        unknown = "123456789012345678"
        code, out, _ = await doctor(tmp_path, fake.api_base, url, env={"DIGEST_CHANNEL_ID": unknown})
        assert code == 1 and discord_lines(out)[1][:2] == ("FAIL", f"channel {unknown} (DIGEST_CHANNEL_ID)")
        assert discord_lines(out)[1][2].startswith("Discord knows no such channel")


async def test_a_refused_token_fails_and_is_never_shown(tmp_path: Path) -> None:
    async with DoctorsDiscord() as fake:  # the local Discord's own token, not the one configured
        url = await database_with_channels(tmp_path, {})
        code, out, err = await doctor(tmp_path, fake.api_base, url, "--json",
                                      env={"DIGEST_CHANNEL_ID": str(fake.channels["general"])})
        refused = [v for v in fake.spec_violations if "is not the bot's token" in v]
        assert refused and len(refused) == len(fake.spec_violations)  # the refusal under test, nothing else
        fake.spec_violations.clear()
    assert code == 1, out + err
    data = json.loads(out)
    assert data["ok"] is False
    assert data["checks"][-1] == {"name": "discord", "status": "FAIL", "detail": (
        "the token was refused by Discord: reset it in the Developer Portal (Bot -> Reset Token) and set "
        "DISCORD_TOKEN to the new one")}
    assert TOKEN[:24] not in out + err and TOKEN[-20:] not in out + err


async def test_discord_not_answering_is_a_warning(tmp_path: Path) -> None:
    url = await database_with_channels(tmp_path, {})
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code, out, err = await doctor(tmp_path, f"http://127.0.0.1:{port}/api/v10", url,
                                  env={"DIGEST_CHANNEL_ID": "123456789012345678"})
    assert code == 0, out + err
    assert discord_lines(out) == [("warn", "discord", "Discord could not be reached (ClientConnectorError): the "
                                   "channels were not checked; try again, and check this machine's network")]
    assert err == ""


async def test_without_a_configured_channel_only_the_identity_is_checked(tmp_path: Path) -> None:
    async with DoctorsDiscord(token=TOKEN) as fake:
        url = await database_with_channels(tmp_path, {})
        code, out, err = await doctor(tmp_path, fake.api_base, url)
    assert code == 0, out + err
    assert [(status, name) for status, name, _ in lines(out)][-2:] == [("ok", "discord"), ("ok", "channels")]
