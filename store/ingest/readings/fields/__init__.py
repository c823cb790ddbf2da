"""One field's reading each: what a line or value says about one thing of a paper.

Author lists (`authors`, also APA's "Surname, I." pairs; `namelists` for names in running text), author
lines with a venue (`byline`), venues and years (`venues`, also a catalogue page's venue line), the key
names notes use in many languages (`keys`) and key-value lines in any markup (`keyvalue`), the writer of a
note (`writer`), what in an author list is not a person (`people`: placeholders, institutions, venue
tails), headings (`headings`), list items' bullets (`listitems`), a title with its authors after a
dash (`titleline`), page chrome (`chrome`), arXiv categories as topics (`categories`), a paragraph cut
between the papers it names (`mentions`).
May import store.text, store.ingest.structure and each other; never a shape or a whole reading.
"""
