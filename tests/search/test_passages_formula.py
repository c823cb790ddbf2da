"""/ask passages are whole sentences: a `*` inside a formula (a product) never cuts one; a bullet still does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from store.search.index import SearchIndex
from store.search.results import PaperView, SummaryView
from store.search.sentences import split_sentences

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("text", [
    "We minimise the loss L = E[x*y] * 2 over every batch of the data.",
    "Each layer computes W * x + b before the nonlinearity is applied.",
    "The gate output is (a + b) * c for every token of the input.",
    "The update scales the gradient by 0.5 * lr at each step of training.",
    "x * y is the product the attention scores are built from here.",
])
def test_a_product_inside_a_formula_does_not_cut_the_sentence(text: str) -> None:
    assert [s.text for s in split_sentences(text)] == [text]


def test_a_bullet_star_between_words_still_cuts() -> None:
    text = "Main findings here * deeper nets train well * wider nets do not help"
    assert [s.text for s in split_sentences(text)] == ["Main findings here", "deeper nets train well",
                                                       "wider nets do not help"]


def test_ask_quotes_the_whole_sentence_holding_the_formula() -> None:
    summary = ("The method rescales rewards before training. We minimise the loss L = E[x*y] * 2 over "
               "every minibatch of rollouts. It converges quickly.")
    papers = [PaperView(id=1, title="Scaled rewards", authors=("Ada Lovelace",), venue=None, year=2020, topics=(),
                        link=None, summaries=(SummaryView("notes.md", 1, summary),), added_at=WHEN),
              PaperView(id=2, title="Other work", authors=("Alan Turing",), venue=None, year=2021, topics=(),
                        link=None, summaries=(SummaryView("notes.md", 2, "A note about kernels and trees."),),
                        added_at=WHEN)]
    hits = SearchIndex(papers).ask("which loss over minibatch rollouts").hits
    assert hits[0].passage == "We minimise the loss L = E[x*y] * 2 over every minibatch of rollouts."
