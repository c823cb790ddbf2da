"""`json.dumps` of the lists and dicts a bulk import stores (a paper's authors, its topics), by one C
encoder made once: json.dumps makes one at every call, which costs more than the encoding of a short list."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# What the fast encoder must write exactly as json.dumps does: non-ASCII, quotes, a NUL, every JSON type.
SAMPLE = ["Kurt Gödel", 'a "quoted" \\ name\x00', 1, 2.5, None, True, {"k": [float("inf")]}]


def _c_encoder() -> Callable[[Any], str] | None:
    """The C encoder with json.dumps's defaults; None where the json module has none, or where it does not
    write exactly what json.dumps writes."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        encoder = make(None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None,
                       ": ", ", ", False, False, True)  # json.dumps's defaults (a list of names holds no cycle)

        def text(value: Any) -> str:
            return "".join(encoder(value, 0))

        return text if text(SAMPLE) == json.dumps(SAMPLE) else None
    except Exception:  # another interpreter's private encoder: json.dumps it is
        return None


FAST = _c_encoder()
json_text: Callable[[Any], str] = FAST or json.dumps  # what json.dumps writes, as fast as this interpreter can
