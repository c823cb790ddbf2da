"""Alembic's scripts for the schema: env.py, the revision template and versions/, one file per revision."""
