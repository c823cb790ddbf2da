"""members' summaries: contributions and their edits (entries.writer came with 0002_identity_authors)

Revision ID: 0003_member_summaries
Revises: '0002_identity_authors'
Created: 2026-12-02 17:27:13.783730

Frozen once released: a later model change gets a new revision, never an edit here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_member_summaries'
down_revision = '0002_identity_authors'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('writer_id', sa.BigInteger(), nullable=False),
    sa.Column('tldr', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('entry_id')
    )
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contributions_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_contributions_writer_id'), ['writer_id'], unique=False)

    op.create_table('contribution_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contribution_id', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.BigInteger(), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=1024), nullable=False),
    sa.Column('link', sa.String(length=2048), nullable=True),
    sa.Column('tldr', sa.String(length=300), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('topics', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['contribution_id'], ['contributions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contribution_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contribution_edits_contribution_id'), ['contribution_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('contribution_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contribution_edits_contribution_id'))

    op.drop_table('contribution_edits')
    with op.batch_alter_table('contributions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contributions_writer_id'))
        batch_op.drop_index(batch_op.f('ix_contributions_created_at'))

    op.drop_table('contributions')
