"""`DigestService`: when a server's digest is due, what it holds, and the record that posts it once.

(Skeleton written by the lead; the digest helper fills it from bot/cogs/digest.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from store.search.access import PaperAccess
from store.servers.service import Servers


class DigestService:
    def __init__(self, papers: PaperAccess, servers: Servers, clock: Callable[[], datetime], worker: str) -> None:
        self.papers = papers
        self.servers = servers
        self.clock = clock
        self.worker = worker  # this process's name on the claims it takes (a week's digest)
