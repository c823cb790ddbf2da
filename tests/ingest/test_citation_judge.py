"""The judge of the formatted-citation reader (bench/citations) renders what it should, offline."""

from __future__ import annotations

import socket

import pytest

from bench.citations import HELD_OUT, TUNE, handwritten_items
from bench.citations.render import renderer
from bench.citations.styles import ALL

RESNET = handwritten_items()[0]


def test_an_apa_rendering_of_a_known_paper_is_exact() -> None:
    r = renderer("apa").render(RESNET)
    assert r.text == ("He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image recognition. "
                      "Proceedings of the IEEE Conference on Computer Vision and Pattern Recognition, 770–778. "
                      "https://doi.org/10.1109/CVPR.2016.90")
    assert (r.title, r.authors, r.incomplete, r.agrees) == (
        "Deep residual learning for image recognition", ("K. He", "X. Zhang", "S. Ren", "J. Sun"), False, True)


def test_names_and_titles_are_as_each_style_writes_them() -> None:
    attention = next(i for i in handwritten_items() if i["id"] == "hand-attention")
    ieee = renderer("ieee").render(attention)
    assert ieee.text.startswith("[1] A. Vaswani et al., “Attention is all you need”")
    assert (ieee.authors, ieee.incomplete) == (("A. Vaswani",), True)
    ama = renderer("american-medical-association").render(RESNET)
    assert ama.authors == ("K He", "X Zhang", "S Ren", "J Sun")
    chicago = renderer("chicago-author-date").render(RESNET)
    assert chicago.title == "Deep Residual Learning for Image Recognition" and chicago.agrees


def test_the_splits_are_disjoint_and_large_enough() -> None:
    assert set(TUNE).isdisjoint(HELD_OUT)
    assert len(set(TUNE)) == len(TUNE) >= 12 and len(set(HELD_OUT)) == len(HELD_OUT) >= 12


def test_every_style_loads_and_renders_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the judge must not use the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    for name in ALL:
        r = renderer(name).render(RESNET)
        assert r.agrees, (name, r.text)
        assert [a.split()[-1] for a in r.authors] == ["He", "Zhang", "Ren", "Sun"][: len(r.authors)], name
