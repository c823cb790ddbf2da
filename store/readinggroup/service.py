"""`ReadingGroupService`: proposals, votes, sessions, rotation and reminders, each call one unit of work.

(Skeleton written by the lead; the reading-group helper fills it from bot/cogs/readinggroup.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from store.search.access import PaperAccess
from store.servers.service import Servers


class ReadingGroupService:
    def __init__(self, papers: PaperAccess, servers: Servers, clock: Callable[[], datetime], worker: str) -> None:
        self.papers = papers
        self.servers = servers
        self.clock = clock
        self.worker = worker  # this process's name on the claims it takes (reminders)
