"""Pure text helpers, the bottom layer: tokenising for search, people's names, folding for comparison,
spacing, a paper's identifiers (arXiv id, DOI, OpenReview id) and what a stored link may be.

Nothing here knows of documents, records or the database: modules import only the standard library,
their packages (PyStemmer, rfc3986) and each other. Every other layer may import them.
"""
