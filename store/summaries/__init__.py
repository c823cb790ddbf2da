"""Members' own summaries, written in Discord (or uploaded as a file): saved as entries of the writer's own
document, searchable at once, edited and removed by their writer or an admin, exported as Markdown files.

contributions.py (the rules, functions over an open session), service.py (`SummariesService`, what the bot
calls: one transaction a call, the index told before it returns), export.py / export_folder.py (the
Markdown files and the folder they are written into). May import store.text, store.ingest (a member's file
is read like a note), store.db, store.corpus and store.search; not the other features.
"""
