"""The embedding model (store/search/meaning/model.py): offline from the installed wheel, the same vectors
as WordLlama's own inference, deterministic and of unit length; int8 vectors (vectors.py)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from store.search.meaning import model as meaning
from store.search.meaning.vectors import Quantised, cosine_top_k, cosines, paper_text, quantise, similar

TEXTS = ["Generative adversarial networks", "Trust region policy optimization for reinforcement learning",
         "", "  ", "Zoneout: regularizing RNNs by randomly preserving hidden activations " * 40, "ünïcödé ∑ 数学"]

# Run in a fresh interpreter: no network (every socket refuses), an empty home and cache, the Hugging Face
# hub told to stay offline. The model must load and embed from the installed package's own files, without
# importing wordllama (whose loader downloads the tokenizer) or anything that downloads.
OFFLINE = """
import json, socket, sys
def refuse(*args, **kwargs):
    raise OSError("network used")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from store.search.meaning import model
v = model.embed(["papers like this one"])
m = model.model()
print(json.dumps({"shape": list(v.shape), "norm": float((v ** 2).sum()), "weights": str(m.table.filename),
                  "package": str(model.package_dir()),
                  "imported": sorted(k for k in sys.modules if k.split(".")[0] in
                                     ("wordllama", "requests", "huggingface_hub", "torch", "urllib3"))}))
"""


def test_model_loads_offline_from_the_installed_package(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE", "XDG_CACHE"))}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"), HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", OFFLINE], env=env, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parent.parent.parent)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["shape"] == [1, meaning.DIMS]
    assert out["norm"] == pytest.approx(1.0, abs=1e-5)
    assert Path(out["weights"]).resolve().is_relative_to(Path(out["package"]).resolve())  # the wheel's file, mapped
    assert Path(out["package"]).name == "wordllama"
    assert out["imported"] == []
    assert list(tmp_path.iterdir()) == []  # nothing cached or written in the home folder


def test_the_model_is_loaded_once_and_fingerprinted() -> None:
    assert meaning.model() is meaning.model()
    assert meaning.model().fingerprint == meaning.model().fingerprint
    assert meaning.Model(dims=128).fingerprint != meaning.model().fingerprint
    assert meaning.Model(dims=128).embed(["a b"]).shape == (1, 128)


def test_missing_package_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(meaning, "PACKAGE", "no_such_package_for_paperbot")
    with pytest.raises(meaning.MeaningUnavailable, match="not installed"):
        meaning.package_dir()


def test_vectors_equal_wordllamas_own_inference() -> None:
    """The package's inference code, given the same table and tokenizer, gives the same vectors."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        from tokenizers import Tokenizer
        from wordllama.inference import WordLlamaInference
    finally:  # importing it calls logging.basicConfig on the root logger
        root.handlers[:], _ = handlers, root.setLevel(level)
    m = meaning.model()
    tokenizer = Tokenizer.from_file(str(meaning.package_dir() / meaning.TOKENIZER))
    theirs = WordLlamaInference(np.asarray(m.table), tokenizer)
    texts = [t for t in TEXTS if t.strip()]
    np.testing.assert_allclose(meaning.embed(texts), theirs.embed(texts, norm=True), atol=1e-6)


def test_embeddings_are_deterministic_and_normalised() -> None:
    first = meaning.embed(TEXTS)
    assert first.dtype == np.float32 and first.shape == (len(TEXTS), meaning.DIMS)
    np.testing.assert_array_equal(first, meaning.embed(TEXTS))
    alone = np.vstack([meaning.embed([t]) for t in TEXTS])  # batching changes nothing
    np.testing.assert_allclose(first, alone, atol=1e-7)
    norms = np.linalg.norm(first, axis=1)
    assert norms[[0, 1, 3, 4, 5]] == pytest.approx(1.0, abs=1e-5)  # spaces are tokens too
    assert norms[2] == 0.0  # no tokens: no direction
    assert meaning.embed([]).shape == (0, meaning.DIMS)


def test_meaning_ranks_near_texts_first() -> None:
    q, a, b = meaning.embed(["reinforcement learning agents", "policy gradient methods for agents that learn "
                             "from rewards", "a recipe for pasta with tomato sauce"])
    assert float(q @ a) > float(q @ b) + 0.1


def test_quantised_vectors_keep_cosine() -> None:
    vectors = meaning.embed(TEXTS)
    q = quantise(vectors)
    assert q.codes.dtype == np.int8 and q.scales.dtype == np.float32
    assert q.nbytes == len(TEXTS) * (meaning.DIMS + 4)
    assert np.abs(q.vectors() - vectors).max() <= q.scales.max() / 2 + 1e-7
    np.testing.assert_allclose(cosines(q, vectors[0]), vectors @ vectors[0], atol=5e-3)
    assert q.vectors([2]).tolist() == [[0.0] * meaning.DIMS]  # a zero vector stays zero
    assert len(Quantised.concat([q.take([0, 1]), q.take([4])])) == 3


def test_paper_text_is_title_topics_and_the_start_of_the_summary() -> None:
    assert paper_text("T", ("RL", "GANs"), "one two") == "T. RL; GANs. one two"
    assert paper_text("T", (), "") == "T"
    long = paper_text("T", (), "word " * 500, chars=100)
    assert long.startswith("T. word word") and len(long) <= 3 + 100 and not long.endswith(" ")


def test_top_k_and_similar_leave_out_what_they_must() -> None:
    vectors = meaning.embed(["generative adversarial networks", "GAN training with two discriminators",
                             "policy gradient reinforcement learning", ""])
    q = quantise(vectors)
    assert similar(q, 0, 3)[0][0] == 1
    assert 0 not in [r for r, _ in similar(q, 0, 3)]
    assert similar(q, 3, 3) == []  # a paper with no text has no neighbours
    assert [r for r, _ in cosine_top_k(q, vectors[2], 1, exclude=[2])] != [2]
