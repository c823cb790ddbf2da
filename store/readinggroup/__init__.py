"""The reading group as database state: proposals and votes, meetings (sessions), volunteers, reminders.

Nothing here knows Discord: members, channels and messages are plain integer ids. The modules hold the
rules as functions over an open database session (papers: which paper a member means; proposals;
meetings; discussions: what the group read; presenters: the rotation; reminders); `ReadingGroupService`
(service.py) is what the bot calls, one unit of work per call. The schema carries the rules: one vote
per member per proposal (primary key), one open proposal per paper per server (partial unique index),
one reminder per (meeting, kind) (unique), so two bot processes cannot double-post a reminder.

May import store.text, store.db, store.corpus, store.search and store.servers; not the other features.
"""

from store.readinggroup.discussions import Discussed, discussed, discussed_papers, similar_discussed
from store.readinggroup.meetings import (
    SESSION_LENGTH,
    Page,
    SessionView,
    attach,
    by_event,
    cancel,
    done,
    get_session,
    history,
    move,
    overdue,
    proposals_of,
    schedule,
    thread_for,
    upcoming,
)
from store.readinggroup.papers import Named, NotAPaper, UnknownNumber, arxiv_id, named_paper, plausible_title, resolve
from store.readinggroup.presenters import rotation, volunteer, withdraw
from store.readinggroup.proposals import (
    DEFAULT_EXPIRY,
    ProposalView,
    Proposed,
    expire,
    open_proposals,
    proposal,
    propose,
    set_message,
    unvote,
    vote,
)
from store.readinggroup.reminders import (
    REMINDERS,
    claim_reminder,
    due_reminders,
    mark_reminded,
    reminder_kind,
    reminders_posted,
)

__all__ = [
    "DEFAULT_EXPIRY", "REMINDERS", "SESSION_LENGTH", "Discussed", "Named", "NotAPaper", "Page", "ProposalView",
    "Proposed", "SessionView", "UnknownNumber", "arxiv_id", "attach", "by_event", "cancel", "claim_reminder",
    "discussed", "discussed_papers", "done", "due_reminders", "expire", "get_session", "history", "mark_reminded",
    "move", "named_paper", "open_proposals", "overdue", "plausible_title", "proposal", "proposals_of", "propose",
    "reminder_kind", "reminders_posted", "resolve", "rotation", "schedule", "set_message", "similar_discussed",
    "thread_for", "unvote", "upcoming", "volunteer", "vote", "withdraw",
]
