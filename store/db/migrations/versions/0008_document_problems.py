"""The problem lines a corpus file had when it was last read (`documents.problems`), so a reload that finds
the file's bytes unchanged reports them again without parsing it again.

Revision ID: 0008_document_problems
Revises: 0007_notice_time
Created: 2026-12-05 01:30:00

A nullable column: a document stored before this revision has none kept (NULL), and its file is read once
more at the next ingest, which keeps them.
Frozen once released: a later model change gets a new revision, never an edit here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_document_problems"
down_revision = "0007_notice_time"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("problems", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("problems")
