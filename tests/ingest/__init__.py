"""Reading a corpus (store/text, store/ingest): formats, names, links, the bulk stream, fuzzed files, boundaries."""
