"""store/search: database -> index. Search over the papers: BM25 (bm25.py) behind /paper, /topic, /ask;
names behind /author (people.py).

views.py (the read model: papers read back as `PaperView`s), index.py (`SearchIndex`, immutable; layout.py,
bm25.py, expansion.py, acronyms.py, feedback.py, sentences.py its parts), overlay.py (a built index plus
the papers changed since), snapshot.py (the built index on disk), live.py (`LiveIndex`: the index a
process answers from, loaded, overlaid, rebuilt, caught up), follow.py (waking it when another process
commits), service.py (`SearchService`), access.py (`PaperAccess`, what features are given).

Imports: the layers below (store.text, store.ingest, store.db, store.corpus: it needs no writer of
store.corpus, reading is its own); never the features, store.library or bot.
"""

from store.search import snapshot
from store.search.index import SearchIndex

__all__ = ["SearchIndex", "snapshot"]
