"""When the problem kept for a server's admins happened (`guild_settings.last_error_at`), so the notice an
admin reads days later says when, not only what.

Revision ID: 0007_notice_time
Revises: 0006_web_links
Created: 2026-12-04 18:00:00

A nullable column: a problem kept before this revision has no time and is shown without one.
Frozen once released: a later model change gets a new revision, never an edit here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_notice_time"
down_revision = "0006_web_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("last_error_at")
