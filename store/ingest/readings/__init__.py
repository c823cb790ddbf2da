"""Stage 3: readings, from a document to its papers.

- `document`: a note's competing readings, in order: its fields (`notes`), else its shapes (`prose`), else
  its lone heading or link; every title passes the `gate` or becomes a problem line.
- `notes/`: a note's structure read by ordered rule lists (fields, headings, tables, BibTeX blocks).
- `prose`: paragraph by paragraph, by an ordered rule list that tries the `shapes/`.
- `shapes/`: whole-document conventions (ShortScience pages, poster boards, "Title – Authors" lists, blog
  mentions, APA reference lines), one module each, declared in one list.
- `fields/`: one field's reading each (authors, byline, venue, year, keys in many languages, writer,
  headings, page chrome, topics).
- whole formats read straight to records: `bibtex`, `arxiv_jsonl`, `frontmatter` (paperbot's own).
May import store.text, store.ingest.records, store.ingest.text and store.ingest.structure; `fields/`
imports no other reading, a shape only `fields/` and `shapes/shape.py`, `notes/` no shape.
"""
