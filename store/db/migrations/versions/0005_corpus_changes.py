"""The corpus change log: every process on one database takes the others' changes (new table only).

Revision ID: 0005_corpus_changes
Revises: 0004_reading_group
Created: 2026-12-02 19:30:00

Frozen once released: a later model change gets a new revision, never an edit here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_corpus_changes"
down_revision = "0004_reading_group"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corpus_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("papers", sa.JSON(), nullable=True),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("corpus_changes")
