"""The embedding model: WordLlama's 256-dimension static model, read from the installed wheel.

Why this model: its weights (`l2_supercat_256.safetensors`, 16 MB of float16, a 32,000-token
vocabulary) and its tokenizer come inside the `wordllama` wheel, so `pip install` brings everything and
nothing is fetched at run time; a text's vector is the mean of its tokens' rows, so it runs on a CPU in
microseconds with numpy alone (no torch). Code and weights are MIT-licensed.

Why not `wordllama.WordLlama.load()`: in 0.4.0 it looks for the tokenizer under `tokenizer/`, the wheel
ships it under `tokenizers/`, so it downloads the tokenizer from Hugging Face; and importing `wordllama`
calls `logging.basicConfig` on the root logger. So the package is only located (never imported) and its
two files are read here; the vectors equal `WordLlamaInference.embed(norm=True)`'s (tests check it).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PACKAGE = "wordllama"
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
TENSOR = "embedding.weight"
DIMS = 256  # Matryoshka-trained: a prefix of 64 or 128 dimensions is a smaller model of its own
BATCH = 64  # texts tokenised and pooled at a time: bounds the gathered token rows, and the pooling's hold on
# the interpreter lock (256 texts, ~30,000 rows: 70-140 ms of event-loop lag, and slower than four calls of 64)


class MeaningUnavailable(RuntimeError):
    """The model's package is not installed (or its files are not where this version expects them)."""


def package_dir() -> Path:
    """The installed package's folder, found without importing it."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MeaningUnavailable(f"the {PACKAGE!r} package is not installed: pip install {PACKAGE}")
    return Path(next(iter(spec.submodule_search_locations)))


def read_safetensors(path: Path, name: str) -> np.ndarray:
    """One float16 tensor of a safetensors file, mapped read-only (shared with every process mapping it).

    The format is an 8-byte little-endian header length, a JSON header, then the raw tensors."""
    with path.open("rb") as f:
        size = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(size))
    entry = header.get(name)
    if entry is None or entry.get("dtype") != "F16":
        raise MeaningUnavailable(f"{path.name}: no float16 tensor {name!r}")
    start, stop = entry["data_offsets"]
    shape = tuple(entry["shape"])
    if stop - start != 2 * int(np.prod(shape)):
        raise MeaningUnavailable(f"{path.name}: {name!r} has {stop - start} bytes for shape {shape}")
    return np.memmap(path, dtype="<f2", mode="r", offset=8 + size + start, shape=shape)


class Model:
    """Texts to L2-normalised float32 vectors: the mean of their tokens' rows, then unit length."""

    def __init__(self, folder: Path | None = None, dims: int = DIMS) -> None:
        from tokenizers import Tokenizer

        folder = package_dir() if folder is None else folder
        weights, tokenizer = folder / WEIGHTS, folder / TOKENIZER
        for path in (weights, tokenizer):
            if not path.is_file():
                raise MeaningUnavailable(f"{path} is missing: this version of {PACKAGE} is not the one expected")
        self.table = read_safetensors(weights, TENSOR)
        if not 0 < dims <= self.table.shape[1]:
            raise ValueError(f"dims must be 1..{self.table.shape[1]}")
        self.dims = dims
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.files = (weights, tokenizer)

    @functools.cached_property
    def fingerprint(self) -> str:
        """What a stored vector was made with (both files' bytes and the dimensions): vectors saved with
        another fingerprint are made again, never compared with these."""
        digest = hashlib.sha256(str(self.dims).encode())
        for path in self.files:
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dims) float32, each row of unit length; a text with no tokens is all zeros."""
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        vocabulary = self.table.shape[0]
        for start in range(0, len(texts), BATCH):
            ids = self.token_ids(texts[start:start + BATCH])
            counts = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
            flat = np.clip(np.fromiter((t for row in ids for t in row), dtype=np.int64, count=int(counts.sum())),
                           0, vocabulary - 1)
            if flat.size == 0:
                continue
            rows = self.table[flat, : self.dims].astype(np.float32)
            filled = np.flatnonzero(counts)
            sums = np.add.reduceat(rows, np.concatenate(([0], np.cumsum(counts[filled])[:-1])), axis=0)
            out[start + filled] = sums / counts[filled, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


_lock = threading.Lock()
_model: Model | None = None


def model() -> Model:
    """The process's one model, loaded on first use (about 0.1 s; the table is mapped, not read)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = Model()
    return _model


def embed(texts: Sequence[str]) -> np.ndarray:
    """`Model.embed` with the process's model."""
    return model().embed(texts)
