"""The development judgments query by query: where /paper, /author and /topic gain or lose.

    .venv/bin/python -m bench.dev_eval [--corpus seeds]

tests/search/test_dev_metrics.py asserts the floors; this prints every query's figure and the means over the
whole set, so a change to ranking can be read query by query (not part of the test suite).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path

from store.library import Library

JUDGMENTS = Path(__file__).resolve().parent.parent / "tests" / "data" / "dev-queries.json"


async def evaluate(corpus: Path | None) -> None:
    judged = json.loads(JUDGMENTS.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        lib = Library(f"sqlite+aiosqlite:///{Path(tmp) / 'dev.sqlite3'}", corpus)
        await lib.start()
        try:
            for kind, limit in (("paper", 10), ("author", 100), ("topic", 10)):
                figures = []
                for q in judged[kind]:
                    result = await getattr(lib, kind)(q["query"], limit)
                    found = [h.paper.title for h in result.hits]
                    relevant = set(q["relevant"])
                    if kind == "paper":
                        value = next((1.0 / r for r, t in enumerate(found, 1) if t in relevant), 0.0)
                    elif kind == "author":
                        tp = len(set(found) & relevant)
                        value = 2 * tp / (len(set(found)) + len(relevant)) if tp else 0.0
                    else:
                        value = len(set(found) & relevant) / len(relevant)
                    figures.append(value)
                    print(f"/{kind} {q['query']!r}: {value:.3f}")
                name = {"paper": "MRR", "author": "F1", "topic": "recall@10"}[kind]
                print(f"== /{kind} {name} = {sum(figures) / len(figures):.3f} over {len(figures)} queries\n")
        finally:
            await lib.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: the bundled seeds)")
    asyncio.run(evaluate(parser.parse_args().corpus))


if __name__ == "__main__":
    main()
