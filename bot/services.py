"""The features the cogs call, built once per bot: typed, so one cog reaches another feature through
`bot.services.<feature>`, never through `get_cog`."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from store.digest.service import DigestService
from store.library import Library
from store.readinggroup.service import ReadingGroupService
from store.search.service import SearchService
from store.servers.service import Servers
from store.servers.settings import Schedule
from store.summaries.service import SummariesService


@dataclass(frozen=True, slots=True)
class Services:
    search: SearchService
    summaries: SummariesService
    servers: Servers
    readinggroup: ReadingGroupService
    digest: DigestService


def default_schedule(settings: Settings) -> Schedule:
    """A server's settings before an admin changes any: the environment's."""
    return Schedule(settings.digest_channel_id, settings.digest_weekday, settings.digest_time.hour,
                    settings.digest_time.minute, settings.digest_timezone)


def services_for(library: Library, settings: Settings, clock: Callable[[], datetime]) -> Services:
    worker = f"{socket.gethostname()}:{os.getpid()}"
    servers = Servers(library.sessionmaker, default_schedule(settings), clock)
    return Services(search=library.search, summaries=SummariesService(library, clock), servers=servers,
                    readinggroup=ReadingGroupService(library, servers, clock, worker,
                                                     expiry=timedelta(days=settings.proposal_days),
                                                     reminders=settings.reminder_minutes),
                    digest=DigestService(library, servers, clock, worker))
