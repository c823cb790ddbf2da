"""LaTeX decoding (pylatexenc): titles, names and abstracts read as plain Unicode."""

from __future__ import annotations

import pytest

from store.ingest.text.latex import decode_latex


@pytest.mark.parametrize(("raw", "expected"), [
    (r"A \emph{Good} Paper", "A Good Paper"),
    (r"\textbf{Bold} and \textit{italic} and \textsc{BERT}", "Bold and italic and BERT"),
    (r"Bal\'azs Koll\'ar, Erd{\H{o}}s, Schr{\"o}dinger, {\L}ukasz, Ng\~{u}y\^en",
     "Balázs Kollár, Erdős, Schrödinger, Łukasz, Ngũyên"),
    (r"{{Deep Residual Learning}} for {ImageNet}", "Deep Residual Learning for ImageNet"),
    (r"pages 1--10, A---B \& C", "pages 1–10, A—B & C"),
    (r"runs in $O(n \log n)$ time", "runs in O(n log n) time"),
    (r"an $\alpha$-divergence and $\ell_1$ norm", "an α-divergence and ℓ_1 norm"),
    (r"a $\tilde{O}(\sqrt{T})$ regret bound", "a Õ(√(T)) regret bound"),
    (r"keeps 50% of the weights", "keeps 50% of the weights"),
    (r"keeps 50\% of the weights", "keeps 50% of the weights"),
    (r"costs $5 per {GPU} hour", "costs $5 per GPU hour"),
    (r"as shown~\cite{he2016} in \url{https://x.org/a}.", "as shown in https://x.org/a."),
    (r"\emph{``quoted''} text", "“quoted” text"),
    (r"\unknownmacro{kept} text", "kept text"),
    ("No markup at all: fast path.", "No markup at all: fast path."),
])
def test_latex_to_text(raw: str, expected: str) -> None:
    assert decode_latex(raw) == expected


def test_markup_pylatexenc_cannot_convert_is_kept_as_written() -> None:
    assert decode_latex(r"see \href{http://x.org}") == r"see \href{http://x.org}"


def test_plain_text_is_returned_unchanged() -> None:
    text = "Plain abstract with no markup, repeated. " * 50
    assert decode_latex(text) is text
