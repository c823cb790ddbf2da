"""Paper store: models, ingestion and search. Knows nothing of Discord."""
