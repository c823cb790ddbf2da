"""Identity from links, authors as written, the summary's writer, documents per root.

Revision ID: 0002_identity_authors
Revises: 0001_baseline

- papers: arxiv_id, doi, openreview_id (each unique where not null: paper_arxiv_id_once, ...) and
  authors_incomplete.
- entries: key (the folded title, indexed: a paper is also found by any title an entry gave it), writer,
  authors_incomplete, arxiv_id, doi, openreview_id, metadata_record.
- authorships: name (as the paper's own source wrote it), backfilled from people.name.
- documents: unique on (root, name) instead of name alone (document_once_per_root).

Data-preserving: every row is kept as it was; authorships.name is backfilled from people.name. The new
entry columns are filled by the next ingest, which reads again every file whose entries have no title
key yet (each paper then shows its own source's author spellings). A database that holds documents is
never given the bundled seeds (store.library), so no settings row is needed.

Downgrade drops the new columns and restores the unique document name; it fails (changing nothing) when
two roots hold documents of the same name, which the older schema cannot hold.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_identity_authors"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

_FALSE = sa.false()


def _documents_table(*, unique_name: bool) -> sa.Table:
    """documents as 0001 made it, with or without the unique name (SQLite's batch copy starts from it)."""
    return sa.Table(
        "documents", sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1024), nullable=False),
        sa.Column("root", sa.String(length=2048), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        *([sa.UniqueConstraint("name")] if unique_name else []),
    )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("arxiv_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("doi", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("openreview_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("authors_incomplete", sa.Boolean(), nullable=False, server_default=_FALSE))
        batch.create_unique_constraint("paper_arxiv_id_once", ["arxiv_id"])
        batch.create_unique_constraint("paper_doi_once", ["doi"])
        batch.create_unique_constraint("paper_openreview_id_once", ["openreview_id"])
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("key", sa.String(length=512), nullable=False, server_default=sa.text("''")))
        batch.add_column(sa.Column("writer", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("authors_incomplete", sa.Boolean(), nullable=False, server_default=_FALSE))
        batch.add_column(sa.Column("arxiv_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("doi", sa.String(length=256), nullable=True))
        batch.add_column(sa.Column("openreview_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("metadata_record", sa.Boolean(), nullable=False, server_default=_FALSE))
    op.create_index("ix_entries_key", "entries", ["key"])
    with op.batch_alter_table("authorships") as batch:
        batch.add_column(sa.Column("name", sa.String(length=300), nullable=False, server_default=sa.text("''")))
    if sqlite:  # the unique name has no name of its own on SQLite: the table is copied without it
        with op.batch_alter_table("documents", recreate="always",
                                  copy_from=_documents_table(unique_name=False)) as batch:
            batch.create_unique_constraint("document_once_per_root", ["root", "name"])
    else:
        op.drop_constraint("documents_name_key", "documents", type_="unique")
        op.create_unique_constraint("document_once_per_root", "documents", ["root", "name"])

    # Backfill: each authorship's name from its person (the fullest spelling, as shown until now). The
    # new entry columns are filled by the next ingest: an entry with no title key yet makes its file be
    # read again even though its bytes did not change (store.sync), so no row needs touching here.
    op.execute("UPDATE authorships SET name = (SELECT people.name FROM people "
               "WHERE people.id = authorships.person_id)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":  # copied as 0001 made it: the unique name back, the (root, name) gone
        with op.batch_alter_table("documents", recreate="always", copy_from=_documents_table(unique_name=True)):
            pass
    else:
        op.drop_constraint("document_once_per_root", "documents", type_="unique")
        op.create_unique_constraint("documents_name_key", "documents", ["name"])
    with op.batch_alter_table("authorships") as batch:
        batch.drop_column("name")
    op.drop_index("ix_entries_key", table_name="entries")
    with op.batch_alter_table("entries") as batch:
        for column in ("metadata_record", "openreview_id", "doi", "arxiv_id", "authors_incomplete", "writer", "key"):
            batch.drop_column(column)
    with op.batch_alter_table("papers") as batch:
        for constraint in ("paper_openreview_id_once", "paper_doi_once", "paper_arxiv_id_once"):
            batch.drop_constraint(constraint, type_="unique")
        for column in ("authors_incomplete", "openreview_id", "doi", "arxiv_id"):
            batch.drop_column(column)
