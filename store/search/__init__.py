"""Search over the papers: BM25 (store/search/bm25.py) behind /paper, /topic, /ask; names behind /author."""

from store.search import snapshot
from store.search.index import SearchIndex

__all__ = ["SearchIndex", "snapshot"]
