"""The reading group: proposals, votes, sessions, volunteers, reminders (new tables only).

Revision ID: 0004_reading_group
Revises: 0003_member_summaries
Created: 2026-12-02 17:16:26.799179

Frozen once released: a later model change gets a new revision, never an edit here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_reading_group"
down_revision = "0003_member_summaries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rg_volunteers',
    sa.Column('guild_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('member_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('guild_id', 'member_id')
    )
    op.create_table('rg_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=True),
    sa.Column('paper_key', sa.String(length=512), nullable=False),
    sa.Column('title', sa.String(length=1024), nullable=False),
    sa.Column('link', sa.String(length=2048), nullable=True),
    sa.Column('proposer_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'scheduled', 'discussed', 'expired')", name='proposal_status'),
    sa.CheckConstraint('expires_at > created_at', name='proposal_expiry'),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rg_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rg_proposals_guild_id'), ['guild_id'], unique=False)
        batch_op.create_index('proposal_open_once', ['guild_id', 'paper_key'], unique=True,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('rg_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guild_id', sa.BigInteger(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('paper_id', sa.Integer(), nullable=True),
    sa.Column('paper_key', sa.String(length=512), nullable=False),
    sa.Column('title', sa.String(length=1024), nullable=False),
    sa.Column('presenter_id', sa.BigInteger(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('event_id', sa.BigInteger(), nullable=True),
    sa.Column('channel_id', sa.BigInteger(), nullable=True),
    sa.Column('thread_id', sa.BigInteger(), nullable=True),
    sa.Column('announcement_id', sa.BigInteger(), nullable=True),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'done', 'cancelled')", name='session_status'),
    sa.CheckConstraint('ends_at > starts_at', name='session_length'),
    sa.ForeignKeyConstraint(['paper_id'], ['papers.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['rg_proposals.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rg_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rg_sessions_guild_id'), ['guild_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rg_sessions_presenter_id'), ['presenter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rg_sessions_starts_at'), ['starts_at'], unique=False)

    op.create_table('rg_votes',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('voted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('value IN (-1, 1)', name='vote_value'),
    sa.ForeignKeyConstraint(['proposal_id'], ['rg_proposals.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'member_id')
    )
    op.create_table('rg_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=100), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['rg_sessions.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('session_id', 'kind', name='reminder_once')
    )


def downgrade() -> None:
    op.drop_table('rg_reminders')
    op.drop_table('rg_votes')
    with op.batch_alter_table('rg_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rg_sessions_starts_at'))
        batch_op.drop_index(batch_op.f('ix_rg_sessions_presenter_id'))
        batch_op.drop_index(batch_op.f('ix_rg_sessions_guild_id'))

    op.drop_table('rg_sessions')
    with op.batch_alter_table('rg_proposals', schema=None) as batch_op:
        batch_op.drop_index('proposal_open_once', sqlite_where=sa.text("status = 'open'"),
                            postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_rg_proposals_guild_id'))

    op.drop_table('rg_proposals')
    op.drop_table('rg_volunteers')
