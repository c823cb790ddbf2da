"""Alembic's environment for paperbot's schema.

At run time paperbot drives Alembic itself (`store.db.migrate.upgrade`) and hands it a connection that is
already locked and inside the one transaction of the upgrade: `config.attributes["connection"]`. A
developer's `alembic` command (alembic.ini at the top of the repository) brings none: the database is
`sqlalchemy.url` if alembic.ini sets it, else $DATABASE_URL or the default SQLite file, opened with
paperbot's own engine and taken under the same lock.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from store.db.models import Base

config = context.config
target_metadata = Base.metadata
if config.config_file_name is not None and "connection" not in config.attributes:  # the developer's command
    from logging.config import fileConfig

    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Both options matter to `alembic revision --autogenerate`: batch operations, because SQLite cannot ALTER
# most of a table in place (Alembic copies it; on PostgreSQL a batch is plain ALTER statements), and
# compare_type so that a changed column type is noticed.
OPTIONS = {"target_metadata": target_metadata, "render_as_batch": True, "compare_type": True}


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, **OPTIONS)
    with context.begin_transaction():  # nothing to begin when the caller holds the transaction
        context.run_migrations()


def _url() -> str:
    from store.db.engine import database_url

    return config.get_main_option("sqlalchemy.url") or database_url()


async def _run_online() -> None:
    from store.db.engine import make_engine
    from store.db.migrate import migration_connection

    engine = make_engine(_url())
    try:
        async with migration_connection(engine) as conn:
            await conn.run_sync(run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():  # `alembic upgrade --sql`: the SQL script, for a DBA to read or run
    context.configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"}, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()
elif (given := config.attributes.get("connection")) is not None:
    run_migrations(given)
else:
    asyncio.run(_run_online())
