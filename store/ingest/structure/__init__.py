"""Stage 2 of reading a note: its one structure.

markdown-it-py parses the text into nodes (headings, paragraphs, list items, table rows, code, front
matter) with their source lines (`markdown`); org notes are made Markdown line for line first (`org`). A
`Document` holds the nodes and the source lines, and gives the source lines split at blank lines as a writer's
paragraphs (`split_blocks`, no parser) for the readings that go by paragraph. Nothing here decides what is a paper.
May import store.text and store.ingest.text; nothing above.
"""
