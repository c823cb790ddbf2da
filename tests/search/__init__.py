"""Search (store/search): BM25 against a reference, expansion, acronyms, the overlay, snapshots, following, load."""
