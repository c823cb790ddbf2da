"""The database schema: SQLAlchemy 2 typed models.

Identity lives in the schema: one row per paper (`papers.key`, the folded title, and at most one paper
per arXiv id, DOI and OpenReview id), one per person (`people.key`), one per topic label, one document
per (root, name), one entry per (document, paper), one digest per server and week.
A paper's authors, venue, year and topics are derived from its entries, so removing a document
removes exactly what it contributed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

IDS = ("arxiv_id", "doi", "openreview_id")  # the columns that name a paper, on papers and on entries alike


class Base(DeclarativeBase):
    pass


class Document(Base):
    """A corpus file as last ingested; `sha256` tells whether it changed."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(1024))  # path relative to the folder ingested
    root: Mapped[str] = mapped_column(String(2048))  # that folder (resolved); pruning is scoped to it
    sha256: Mapped[str] = mapped_column(String(64))
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Its problem lines when it was last read ([source, line, message] or, for a line standing for more,
    # [source, line, message, count]): an unchanged file's are reported again without parsing it. NULL: not
    # kept (stored before revision 0008): the file is read again.
    problems: Mapped[list[list[str | int]] | None] = mapped_column(JSON)

    entries: Mapped[list[Entry]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True
    )

    # Two folders may both hold a "bulk-000.jsonl": different documents.
    __table_args__ = (UniqueConstraint("root", "name", name="document_once_per_root"),)


class Paper(Base):
    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(512), unique=True)  # folded title
    title: Mapped[str] = mapped_column(String(1024))
    venue: Mapped[str | None] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    link: Mapped[str | None] = mapped_column(String(2048))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # no index: no query looks by it
    # Identifiers from the entries' links and fields: notes naming one paper differently are one paper.
    arxiv_id: Mapped[str | None] = mapped_column(String(64))  # "1512.03385", no version
    doi: Mapped[str | None] = mapped_column(String(256))  # lower-case
    openreview_id: Mapped[str | None] = mapped_column(String(64))
    authors_incomplete: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    entries: Mapped[list[Entry]] = relationship(
        back_populates="paper", cascade="all, delete-orphan", passive_deletes=True, order_by="Entry.id"
    )
    authorships: Mapped[list[Authorship]] = relationship(
        back_populates="paper", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Authorship.position",
    )
    topic_links: Mapped[list[PaperTopic]] = relationship(
        back_populates="paper", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("year IS NULL OR (year BETWEEN 1900 AND 2200)", name="paper_year"),
        # At most one paper per identifier (NULLs are distinct on every backend: most papers have none).
        *(UniqueConstraint(column, name=f"paper_{column}_once") for column in IDS),
    )


class Entry(Base):
    """One document's account of one paper: what it said, where."""

    __tablename__ = "entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))  # entry_once_per_document
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(1024))
    authors: Mapped[list[str]] = mapped_column(JSON)
    venue: Mapped[str | None] = mapped_column(String(200))
    year: Mapped[int | None] = mapped_column(Integer)
    topics: Mapped[list[str]] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(2048))
    summary: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(512), index=True, default="", server_default=text("''"))  # folded title
    writer: Mapped[str | None] = mapped_column(String(300))  # who wrote the summary: never an author
    authors_incomplete: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # "et al."
    arxiv_id: Mapped[str | None] = mapped_column(String(64))
    doi: Mapped[str | None] = mapped_column(String(256))
    openreview_id: Mapped[str | None] = mapped_column(String(64))
    metadata_record: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # arXiv JSONL

    document: Mapped[Document] = relationship(back_populates="entries")
    paper: Mapped[Paper] = relationship(back_populates="entries")

    __table_args__ = (UniqueConstraint("document_id", "paper_id", name="entry_once_per_document"),)


class Contribution(Base):
    """A summary a member wrote in Discord: its entry lives in the writer's own pseudo-document.

    `writer_id` (the member's Discord id, a plain integer here) is who may edit or delete it, with the
    admins; the display name shown is the entry's `writer`. Each edit keeps the previous version.
    """

    __tablename__ = "contributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), unique=True)
    writer_id: Mapped[int] = mapped_column(BigInteger, index=True)
    tldr: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    edits: Mapped[list[ContributionEdit]] = relationship(
        back_populates="contribution", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ContributionEdit.id")


class ContributionEdit(Base):
    """One previous version of a member's summary, kept when it was edited."""

    __tablename__ = "contribution_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contributions.id", ondelete="CASCADE"), index=True)
    editor_id: Mapped[int] = mapped_column(BigInteger)
    edited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    title: Mapped[str] = mapped_column(String(1024))
    link: Mapped[str | None] = mapped_column(String(2048))
    tldr: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(JSON)

    contribution: Mapped[Contribution] = relationship(back_populates="edits")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # names.person_key
    name: Mapped[str] = mapped_column(String(300))  # fullest display form seen


class Authorship(Base):
    __tablename__ = "authorships"
    __table_args__ = ({"sqlite_with_rowid": False},)  # rows in key order: one B-tree fewer an insert (0009)

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    # Indexed on its own: "papers by this person" and the prune of people with no papers look it up.
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    position: Mapped[int] = mapped_column(Integer)
    # As this paper's own source wrote it; the person's fullest spelling is people.name.
    name: Mapped[str] = mapped_column(String(300), default="", server_default=text("''"))

    paper: Mapped[Paper] = relationship(back_populates="authorships")
    person: Mapped[Person] = relationship(lazy="joined")


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # folded label
    label: Mapped[str] = mapped_column(String(200))


class PaperTopic(Base):
    __tablename__ = "paper_topics"
    __table_args__ = ({"sqlite_with_rowid": False},)  # as authorships (0009)

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)

    paper: Mapped[Paper] = relationship(back_populates="topic_links")
    topic: Mapped[Topic] = relationship(lazy="joined")


class PaperVector(Base):
    """A paper's meaning (store/search/meaning): int8 codes and a scale, and what they were made from (the model's
    fingerprint, a hash of the paper's text): either changed, the paper is embedded again."""
    __tablename__ = "paper_vectors"

    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True,
                                          autoincrement=False)
    model: Mapped[str] = mapped_column(String(64))
    text_hash: Mapped[int] = mapped_column(BigInteger)  # store.search.meaning.stored.text_hash
    codes: Mapped[bytes] = mapped_column(LargeBinary)  # dims bytes of int8
    scale: Mapped[float] = mapped_column(Float)  # a float32 widened

# --- Weekly digest state (per Discord server; the store keeps ids as plain integers) ---


class GuildSettings(Base):
    """Where and when one server's digest goes. Env vars give the defaults for a new server."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    weekday: Mapped[int] = mapped_column(Integer, default=0)  # 0 = Monday
    hour: Mapped[int] = mapped_column(Integer, default=9)
    minute: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    last_error: Mapped[str | None] = mapped_column(Text)  # reported to the next admin command
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # when it happened

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="digest_weekday"),
        CheckConstraint("hour BETWEEN 0 AND 23", name="digest_hour"),
        CheckConstraint("minute BETWEEN 0 AND 59", name="digest_minute"),
    )


class DigestRun(Base):
    """One claimed weekly digest; the unique (guild, week) makes "once per week" a schema fact."""

    __tablename__ = "digest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    week: Mapped[str] = mapped_column(String(10))  # ISO week in the server's time zone, "2026-W48"
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str] = mapped_column(String(100))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("guild_id", "week", name="digest_once_per_week"),)


class DigestFeature(Base):
    """A paper shown in a digest; `cycle` counts passes through the whole corpus."""

    __tablename__ = "digest_features"

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    run_id: Mapped[int] = mapped_column(ForeignKey("digest_runs.id", ondelete="CASCADE"))
    cycle: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("guild_id", "paper_id", "cycle", name="feature_once_per_cycle"),)


class Setting(Base):
    """Small key/value state: the hash of the last synced command tree, and the like."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CorpusChange(Base):
    """One committed change to the searchable corpus, for the other processes on this database to take.

    Every transaction that changes papers (an ingest, a reload, a member's summary) appends one row as
    its last write. A process that did not make the change reads the rows after the last one it took
    and applies the papers they name, or reloads everything when a row names none (too many changed).
    Ids only grow (AUTOINCREMENT on SQLite, a sequence on PostgreSQL) and rows are written in commit
    order (store.db.changes), so "after the last one taken" misses nothing.
    """

    __tablename__ = "corpus_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32))  # the corpus version this change made (settings)
    papers: Mapped[list[int] | None] = mapped_column(JSON)  # the paper ids changed; None: reload them all
    origin: Mapped[str] = mapped_column(String(200))  # the process that wrote it (it has the change already)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = ({"sqlite_autoincrement": True},)


# --- The reading group's loop: proposals, votes, sessions, volunteers, reminders (per Discord server) ---


class Proposal(Base):
    """A paper proposed for a session; `paper_key` (the folded title) is its identity, in the corpus or not."""

    __tablename__ = "rg_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id", ondelete="SET NULL"))
    paper_key: Mapped[str] = mapped_column(String(512))
    title: Mapped[str] = mapped_column(String(1024))
    link: Mapped[str | None] = mapped_column(String(2048))
    proposer_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="open")
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the proposal message with the vote buttons

    __table_args__ = (
        CheckConstraint("status IN ('open', 'scheduled', 'discussed', 'expired')", name="proposal_status"),
        CheckConstraint("expires_at > created_at", name="proposal_expiry"),
        # One open proposal per paper per server: proposing it again points to the existing one.
        Index("proposal_open_once", "guild_id", "paper_key", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
    )


class Vote(Base):
    """One member's vote on one proposal (+1 or -1); the primary key makes it one vote per member."""

    __tablename__ = "rg_votes"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("rg_proposals.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("value IN (-1, 1)", name="vote_value"),)


class Meeting(Base):
    """A reading-group session: a paper, a presenter, a time (UTC), and its Discord event, thread, announcement."""

    __tablename__ = "rg_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger, index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("rg_proposals.id", ondelete="SET NULL"))
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id", ondelete="SET NULL"))
    paper_key: Mapped[str] = mapped_column(String(512))
    title: Mapped[str] = mapped_column(String(1024))
    presenter_id: Mapped[int] = mapped_column(BigInteger, index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    created_by: Mapped[int] = mapped_column(BigInteger)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    announcement_id: Mapped[int | None] = mapped_column(BigInteger)
    roles: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # extra roles: {"critic": member id}

    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'done', 'cancelled')", name="session_status"),
        CheckConstraint("ends_at > starts_at", name="session_length"),
    )


class Volunteer(Base):
    __tablename__ = "rg_volunteers"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Reminder(Base):
    """One claimed reminder; unique (session, kind) makes "posted once" a schema fact, as for the digest."""

    __tablename__ = "rg_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("rg_sessions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # "1440:2026-12-09T18:00" minutes before, for that start
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str] = mapped_column(String(100))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("session_id", "kind", name="reminder_once"),)
