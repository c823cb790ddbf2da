"""One server's own settings: the channel, time zone and weekly slot that the digest and the reading group
both use, and the problem the digest met there, kept for the next admin to look.

May import store.db (and store.text). Imported by the features (digest, reading group) and the faces.
"""
