"""store/search/meaning: what a paper is about, beside the words it uses (issue 28).

model.py (the static embedding model that ships inside the `wordllama` wheel: found on disk, never
downloaded, loaded once on first use), vectors.py (a paper's text, its vector quantised to int8, cosine
top-k), fusion.py (reciprocal-rank fusion and the linear mix of BM25 and cosine: pure functions).

Imports: numpy, `tokenizers` and the standard library; store.search.bm25 for `top_k`. Nothing here is
wired into the index yet: BM25 stays the core, and meaning is added beside it.
"""
