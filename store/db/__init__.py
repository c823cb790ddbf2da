"""store/db: the database itself. engine.py (engines, sessions, the URL), database.py (`Database`: one
database as a process uses it, the write lock, bulk work off the event loop), models.py (the schema),
migrate.py and migrations/ (revisions; a released revision is never edited), settings.py (the key-value
settings table), claims.py (once-only claims between processes), changes.py (the corpus change log),
collector.py (the garbage collector paused for bulk work).

Imports: the layers below (store.text, store.ingest) are allowed, and none is needed today; nothing above
(store.corpus, store.search, features, store.library, bot).
"""
