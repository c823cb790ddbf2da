"""The features the cogs call, built once per bot: typed, so one cog reaches another feature through
`bot.services.<feature>`, never through `get_cog`."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.config import Settings
from store.digest.service import DigestService
from store.ingest.report import IngestReport
from store.library import Library
from store.readinggroup.service import ReadingGroupService
from store.search.service import SearchService
from store.servers.service import Servers
from store.servers.settings import Schedule
from store.summaries.service import SummariesService


class Corpus(Protocol):
    """The corpus folder, re-read on an admin's /reload (the Library facade: ingest, then a fresh index)."""

    async def reload(self, paths: Sequence[Path] | None = None) -> IngestReport: ...


@dataclass(frozen=True, slots=True)
class Services:
    corpus: Corpus
    search: SearchService
    summaries: SummariesService
    servers: Servers
    readinggroup: ReadingGroupService
    digest: DigestService


def utc_now() -> datetime:
    """The clock of every face that is given none: the time now, in UTC."""
    return datetime.now(UTC)


def summaries_for(library: Library, clock: Callable[[], datetime] = utc_now) -> SummariesService:
    """Members' summaries over the library (the console and the CLI: `paperbot stats`, `paperbot export`)."""
    return SummariesService(library, clock)


def default_schedule(settings: Settings) -> Schedule:
    """A server's settings before an admin changes any: the environment's."""
    return Schedule(settings.digest_channel_id, settings.digest_weekday, settings.digest_time.hour,
                    settings.digest_time.minute, settings.digest_timezone)


def services_for(library: Library, settings: Settings, clock: Callable[[], datetime]) -> Services:
    worker = f"{socket.gethostname()}:{os.getpid()}"
    servers = Servers(library.sessionmaker, default_schedule(settings), clock)
    readinggroup = ReadingGroupService(library, clock, worker, expiry=timedelta(days=settings.proposal_days),
                                       reminders=settings.reminder_minutes)
    return Services(corpus=library, search=library.search, summaries=summaries_for(library, clock),
                    servers=servers, readinggroup=readinggroup, digest=DigestService(library, servers, clock, worker))
