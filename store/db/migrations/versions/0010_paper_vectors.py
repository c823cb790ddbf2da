"""`paper_vectors`: each paper's meaning vector (issue 28), kept so a restart or a full build embeds nothing
again: int8 codes and a float scale, with the fingerprint of the model that made them and a hash of the text
they were made from; a paper deleted takes its vector with it.

Revision ID: 0010_paper_vectors
Revises: 0009_without_rowid
Created: 2026-12-05 10:00:00

A new table, no existing row touched: a database upgraded to it has no vectors, and the embedder fills them in
the background (store/search/meaning/embedder.py). Its key is the paper's id (on SQLite the table's rowid: one
B-tree). Frozen once released: a later model change gets a new revision, never an edit here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_paper_vectors"
down_revision = "0009_without_rowid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_vectors",
        sa.Column("paper_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.BigInteger(), nullable=False),
        sa.Column("codes", sa.LargeBinary(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id"),
    )


def downgrade() -> None:
    op.drop_table("paper_vectors")
