"""Attachment downloads: Discord's host only, https (or a configured loopback host), a size cap while reading."""

from __future__ import annotations

import pytest

from bot.attachments import DISCORD_ATTACHMENT_HOSTS, AttachmentRefused, check_url, download
from store.ingest.upload import read_upload, refusal, shown_name
from tests.fakediscord import FakeDiscord


@pytest.mark.parametrize("url", [
    "https://cdn.discordapp.com/attachments/1/2/notes.md",
    "https://media.discordapp.net/attachments/1/2/notes.md?ex=1",
])
def test_discord_hosts_are_accepted(url: str) -> None:
    assert check_url(url, DISCORD_ATTACHMENT_HOSTS) == url


@pytest.mark.parametrize("url", [
    "http://cdn.discordapp.com/attachments/1/2/notes.md",  # not https
    "https://cdn.discordapp.com.evil.example/a.md",
    "https://evil.example/cdn.discordapp.com/a.md",
    "https://user:pw@cdn.discordapp.com/a.md",
    "https://cdn.discordapp.com:8443/a.md",
    "file:///etc/passwd",
    "http://127.0.0.1:80/a.md",  # loopback, but not configured
    "https://[::1/a.md",
    "",
])
def test_anything_else_is_refused(url: str) -> None:
    with pytest.raises(AttachmentRefused):
        check_url(url, DISCORD_ATTACHMENT_HOSTS)


async def test_the_cap_holds_while_reading_whatever_size_was_declared() -> None:
    async with FakeDiscord() as fake:
        aid = fake.attach("big.md", b"x" * 5000)
        url = fake.attachments[aid]["url"]
        hosts = frozenset({fake.attachment_host})
        assert await download(url, hosts, 5000) == b"x" * 5000
        with pytest.raises(AttachmentRefused, match="limit"):
            await download(url, hosts, 4999)
        with pytest.raises(AttachmentRefused, match="HTTP 404"):
            await download(url + "-gone", hosts, 5000)


def test_upload_names_and_refusals() -> None:
    assert shown_name("../../etc/passwd.md") == "passwd.md" and shown_name("a\\b\\c.txt") == "c.txt"
    assert shown_name("x\u202e\x00.md") == "x??.md"
    assert refusal("paper.pdf", 10) is not None and refusal("notes.MD", 10) is None
    assert "limit" in refusal("notes.md", 6 * 1024 * 1024).message  # type: ignore[union-attr]
    parsed = read_upload("notes.md", b"---\ntitle: A Paper\nwriter: Grace\n---\nText.\n")
    assert [(r.title, r.writer, r.summary) for r in parsed.records] == [("A Paper", "Grace", "Text.")]
    assert "not UTF-8" in read_upload("x.txt", b"caf\xe9").problems[0].message
    assert "empty" in read_upload("x.txt", b"  \n").problems[0].message
