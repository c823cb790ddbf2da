"""On SQLite, authorships and paper_topics as WITHOUT ROWID tables: their rows are kept in their primary
key's order, so each insert writes two B-trees (the rows, the second column's index), not three (a rowid
table, its primary key's index, the second column's index). A bulk import writes some five authorships
and two topics a paper; these two tables take a third less space.

Revision ID: 0009_without_rowid
Revises: 0008_document_problems
Created: 2026-12-05 06:40:00

Each table is copied into its new form, dropped and the copy renamed (foreign keys are off for a
migration on SQLite, and checked before it commits: store.db.migrate), then its index is made again.
The columns, keys and indexes are the ones revision 0002 left. PostgreSQL has no rowid: nothing to do.
Frozen once released: a later model change gets a new revision, never an edit here.
"""

from __future__ import annotations

from alembic import op

revision = "0009_without_rowid"
down_revision = "0008_document_problems"
branch_labels = None
depends_on = None

# name -> (its columns and keys, as revision 0002 left them; its second column's index; its column names)
TABLES = {
    "authorships": ("paper_id INTEGER NOT NULL, person_id INTEGER NOT NULL, position INTEGER NOT NULL, "
                    "name VARCHAR(300) DEFAULT '' NOT NULL, PRIMARY KEY (paper_id, person_id), "
                    "FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, "
                    "FOREIGN KEY(person_id) REFERENCES people (id) ON DELETE CASCADE",
                    "ix_authorships_person_id ON authorships (person_id)", "paper_id, person_id, position, name"),
    "paper_topics": ("paper_id INTEGER NOT NULL, topic_id INTEGER NOT NULL, PRIMARY KEY (paper_id, topic_id), "
                     "FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, "
                     "FOREIGN KEY(topic_id) REFERENCES topics (id) ON DELETE CASCADE",
                     "ix_paper_topics_topic_id ON paper_topics (topic_id)", "paper_id, topic_id"),
}


def _rebuild(without_rowid: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, (columns, index, names) in TABLES.items():
        op.execute(f"CREATE TABLE _new_{name} ({columns}){' WITHOUT ROWID' if without_rowid else ''}")
        op.execute(f"INSERT INTO _new_{name} ({names}) SELECT {names} FROM {name}")
        op.execute(f"DROP TABLE {name}")
        op.execute(f"ALTER TABLE _new_{name} RENAME TO {name}")
        op.execute(f"CREATE INDEX {index}")


def upgrade() -> None:
    _rebuild(without_rowid=True)


def downgrade() -> None:
    _rebuild(without_rowid=False)
