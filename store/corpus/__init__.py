"""store/corpus: records -> database. The corpus files (the corpus folder, or the paths an admin names) are
found and parsed by store.ingest, and written here: documents, entries, papers re-derived from their
entries, people and topics, and the change log's row, in one transaction an ingest.

service.py (`Corpus`: ingest, the seeds rule, adoption of former folders at start), sync.py (files ->
documents), document.py (one document's batches: the entry diff), papers.py (a record's paper: found,
created, joined), entries.py (a record as entry values; accounts of one paper merged), derive.py (papers
re-derived), lookups.py (look-ups by key and identifier), bulk.py (many rows in one statement),
folders.py (former homes of the corpus folder).

Imports: store.text, store.ingest, store.db; never store.search or anything above.
"""
