"""store/search/meaning: what a paper is about, beside the words it uses (issue 28).

model.py (the static embedding model that ships inside the `wordllama` wheel: found on disk, never
downloaded, loaded once on first use), vectors.py (a paper's text, its vector quantised to int8, cosine
top-k), fusion.py (reciprocal-rank fusion and the linear mix of BM25 and cosine: pure functions),
ranking.py (what the index does with them: /topic's mix, /paper's tie-break, papers like a paper or a text),
rows.py (an index's vector rows: attached, overlaid, swapped), stored.py (the `paper_vectors` table),
embedder.py (the background pass that fills it and hands new vectors to the serving index), attach.py
(a catalog embedded on the spot: tests, small corpora).

BM25 stays the core: with meaning off (MEANING=off, the default) none of this runs and every ranking is BM25's.
"""
