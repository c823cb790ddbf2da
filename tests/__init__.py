"""paperbot's tests, by area: ingest, search, store, bot, e2e; fakediscord is the local Discord and its tests."""
