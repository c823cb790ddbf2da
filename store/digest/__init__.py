"""The weekly digest: when a server's digest is due (plan.py: pure slots and the picks' rotation, plus the
claim that posts it once), and `DigestService` (service.py), what the bot calls, one transaction a call.

May import store.text, store.db, store.search and store.servers (a server's channel, time zone, schedule);
not the other features (the digest's reading-group and summaries sections come through the bot's services).
"""
