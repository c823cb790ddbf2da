"""The database and the features (store/db, corpus, servers, summaries, reading group, digest, library)."""
