"""Two indexes no query needs, dropped: each was written for every paper a bulk import adds.

- `ix_entries_document_id`: a document's entries are found by `entry_once_per_document`'s index, whose
  first column is the document (one B-tree where there were two);
- `ix_papers_added_at`: no query looks papers up by when they were added (the digest orders the papers
  it is given).

Revision ID: 0011_fewer_indexes
Revises: 0010_paper_vectors
Created: 2026-12-05 20:00:00

At a million papers the two cost an import about 2 s of its database's 40 (bench/ingest_floor.py). No row is
touched; down makes both again. Frozen once released: a later model change gets a new revision, never an
edit here.
"""

from __future__ import annotations

from alembic import op

revision = "0011_fewer_indexes"
down_revision = "0010_paper_vectors"
branch_labels = None
depends_on = None

INDEXES = {"ix_entries_document_id": ("entries", "document_id"), "ix_papers_added_at": ("papers", "added_at")}


def upgrade() -> None:
    for name, (table, _column) in INDEXES.items():
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, (table, column) in INDEXES.items():
        op.create_index(name, table, [column])
