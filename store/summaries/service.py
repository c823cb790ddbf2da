"""`SummariesService`: members' summaries written, uploaded, edited and removed, searchable at once.

(Skeleton written by the lead; the faces helper fills it from bot/cogs/summaries.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from store.search.access import PaperAccess


class SummariesService:
    def __init__(self, papers: PaperAccess, clock: Callable[[], datetime]) -> None:
        self.papers = papers
        self.clock = clock
