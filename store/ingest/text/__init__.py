"""Stage 1 of reading a document: from bytes to text.

Files opened safely inside their folder and read within their size limit (`files`), decoded as UTF-8 or
refused with a problem line, large files streamed as numbered lines a block at a time (`lines`), overlong
lines clipped (`limits`), and LaTeX made readable text (`latex`). No structure and no papers here.
May import store.text and store.ingest.records (for `Problem`); nothing else of store.ingest.
"""
