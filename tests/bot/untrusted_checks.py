"""What the untrusted-text tests hold a text to: Discord's client reads nothing live in it (the oracle is
tests/fakediscord/markdown.py), and a terminal meets no control character (judged by Unicode category)."""

from __future__ import annotations

import unicodedata

from tests.fakediscord import markdown

ZWSP = "\u200b"
ISSUE = "[the paper](https://arxiv.org/abs/1706.03762) then [Verify your account](https://evil.example/x)"


def nothing_live(sent: str) -> markdown.Reading:
    reading = markdown.read(sent)
    assert reading.links == () and reading.urls == () and reading.mentions == ()
    assert reading.code == () and reading.code_balanced and reading.constructs == frozenset()
    assert markdown.server_mentions(sent) == ()
    return reading


def no_control(text: str) -> bool:
    return not any((unicodedata.category(c) == "Cc" and c not in "\n\t")
                   or (unicodedata.category(c) in ("Cf", "Cs") and c not in "\u200c\u200d") for c in text)
