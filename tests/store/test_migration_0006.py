"""Revision 0006: every stored link is mended or set to NULL, a batch of rows at a time, by a frozen copy
of the rule store.text.links keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from store.db import migrate
from store.db.models import Base
from tests.store.migrations import (
    TZ,
    on,
    run_alembic,
)

# --- 0006: the stored links mended ---

LINK_TABLES = ("papers", "entries", "contribution_edits", "rg_proposals")
# (as stored before 0006, as stored after): mended where the link can be mended, NULL where it cannot
STORED_LINKS = [("javascript:alert(1)", None),
                ("arxiv.org/abs/1706.03762", "https://arxiv.org/abs/1706.03762"),
                ("www.example.com/x y", None),
                ("https://arxiv.org/abs/1512.03385", "https://arxiv.org/abs/1512.03385"),
                (None, None),
                ("<HTTPS://Doi.org/10.1145/3065386>.", "https://doi.org/10.1145/3065386"),
                ("https://münchen.de/Straße", "https://xn--mnchen-3ya.de/Stra%C3%9Fe"),
                ("", None)]


def web_links_revision() -> Any:
    return migrate.scripts().get_revision("0006_web_links").module


def insert_links(conn: Connection) -> None:
    """One row per stored link in each table with a link column, with the parents their foreign keys need."""
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    later = datetime(2026, 12, 15, 12, 0, tzinfo=UTC)
    t = {name: sa.table(name, *(sa.column(c, TZ if c.endswith("_at") else sa.JSON() if c in {"authors", "topics"}
                                          else None) for c in columns))
         for name, columns in {
             "documents": ("id", "name", "root", "sha256", "ingested_at"),
             "papers": ("id", "key", "title", "link", "added_at"),
             "entries": ("id", "document_id", "paper_id", "line", "title", "authors", "topics", "link", "summary"),
             "contributions": ("id", "entry_id", "writer_id", "tldr", "created_at"),
             "contribution_edits": ("id", "contribution_id", "editor_id", "edited_at", "title", "link", "tldr",
                                    "summary", "topics"),
             "rg_proposals": ("id", "guild_id", "paper_key", "title", "link", "proposer_id", "created_at",
                              "expires_at", "status")}.items()}
    conn.execute(sa.insert(t["documents"]), [{"id": 1, "name": "discord:7", "root": "discord:", "sha256": "",
                                              "ingested_at": now}])
    for i, (link, _) in enumerate(STORED_LINKS, 1):
        conn.execute(sa.insert(t["papers"]), [{"id": i, "key": f"paper {i}", "title": f"Paper {i}", "link": link,
                                               "added_at": now}])
        conn.execute(sa.insert(t["entries"]), [{"id": i, "document_id": 1, "paper_id": i, "line": 1,
                                                "title": f"Paper {i}", "authors": [], "topics": [], "link": link,
                                                "summary": "s"}])
        conn.execute(sa.insert(t["contributions"]), [{"id": i, "entry_id": i, "writer_id": 7, "tldr": "t",
                                                      "created_at": now}])
        conn.execute(sa.insert(t["contribution_edits"]), [{"id": i, "contribution_id": i, "editor_id": 7,
                                                           "edited_at": now, "title": f"Paper {i}", "link": link,
                                                           "tldr": "t", "summary": "s", "topics": []}])
        conn.execute(sa.insert(t["rg_proposals"]), [{"id": i, "guild_id": 1, "paper_key": f"paper {i}",
                                                     "title": f"Paper {i}", "link": link, "proposer_id": 7,
                                                     "created_at": now, "expires_at": later, "status": "open"}])


def links_by_table(conn: Connection) -> dict[str, list[str | None]]:
    return {name: list(conn.execute(sa.text(f"SELECT link FROM {name} ORDER BY id")).scalars())
            for name in LINK_TABLES}


async def test_0006_mends_every_stored_link_or_sets_it_null(database_url: str) -> None:
    await run_alembic(database_url, "0005_corpus_changes")
    await on(database_url, insert_links)
    before = [link for link, _ in STORED_LINKS]
    assert await on(database_url, links_by_table) == dict.fromkeys(LINK_TABLES, before)
    await run_alembic(database_url, "0006_web_links")
    after = [mended for _, mended in STORED_LINKS]
    assert await on(database_url, links_by_table) == dict.fromkeys(LINK_TABLES, after)
    # down keeps the mended links (valid for the older code too), and up again changes nothing
    await run_alembic(database_url, "0005_corpus_changes", "downgrade")
    assert await on(database_url, links_by_table) == dict.fromkeys(LINK_TABLES, after)
    await run_alembic(database_url, "0006_web_links")
    assert await on(database_url, links_by_table) == dict.fromkeys(LINK_TABLES, after)
    titles = await on(database_url, lambda c: list(c.exec_driver_sql("SELECT title FROM papers ORDER BY id").scalars()))
    assert titles == [f"Paper {i}" for i in range(1, len(STORED_LINKS) + 1)]  # every paper stays


def test_0006_reads_the_rows_a_batch_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = web_links_revision()
    monkeypatch.setattr(module, "_BATCH", 3)  # 8 rows: batches of 3, 3 and 2
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'links.sqlite3'}")
    with engine.begin() as conn:
        Base.metadata.create_all(conn)
        insert_links(conn)
        statements: list[str] = []
        sa.event.listen(conn, "before_cursor_execute", lambda *a: statements.append(a[2]))
        module._mend(conn, "papers")
        selects = sum(s.startswith("SELECT") for s in statements)
        assert links_by_table(conn)["papers"] == [mended for _, mended in STORED_LINKS]
    engine.dispose()
    assert selects == 4  # three batches, and the empty one that ends it


def test_0006s_frozen_rule_keeps_the_links_that_store_links_keeps() -> None:
    """The revision carries its own copy of the rule; at this revision both give every link the same answer.
    If store.text.links changes its rules, links stored under the old ones need a new revision, not an edit here."""
    from tests.ingest.link_cases import KEPT, REFUSED

    frozen = web_links_revision().web_link
    assert [frozen(written) for written, _ in KEPT] == [stored for _, stored in KEPT]
    assert [frozen(written) for written, _ in REFUSED] == [None] * len(REFUSED)
