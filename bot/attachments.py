"""Downloading a member's attachment: only from Discord's attachment host, into memory, with a size cap."""

from __future__ import annotations

from urllib.parse import urlsplit

import aiohttp

DISCORD_ATTACHMENT_HOSTS = frozenset({"cdn.discordapp.com", "media.discordapp.net"})
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TIMEOUT = aiohttp.ClientTimeout(total=20)


class AttachmentRefused(ValueError):
    """The attachment is not fetched: the message says why."""


def check_url(url: str, hosts: frozenset[str]) -> str:
    """The URL if it is an attachment on one of `hosts` ("host" or "host:port"), else AttachmentRefused.

    https only; plain http only for a loopback host configured explicitly (a local test server).
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        raise AttachmentRefused("the attachment's address cannot be read") from None
    where = f"{host}:{port}" if port else host
    if where not in hosts or parts.username or parts.password:
        raise AttachmentRefused(f"the attachment is not on Discord's attachment host ({host or 'no host'})")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOOPBACK):
        raise AttachmentRefused("the attachment's address is not https")
    return url


async def download(url: str, hosts: frozenset[str], limit: int) -> bytes:
    """The attachment's bytes, refused past `limit` bytes (no redirects: they could leave the host)."""
    check_url(url, hosts)
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session, \
            session.get(url, allow_redirects=False) as response:
        if response.status != 200:
            raise AttachmentRefused(f"the attachment could not be fetched (HTTP {response.status})")
        if (response.content_length or 0) > limit:
            raise AttachmentRefused(f"file is over the {limit:,}-byte limit")
        data = bytearray()
        async for chunk in response.content.iter_chunked(1 << 16):
            data += chunk
            if len(data) > limit:
                raise AttachmentRefused(f"file is over the {limit:,}-byte limit")
        return bytes(data)
