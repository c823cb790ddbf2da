"""The map in ARCHITECTURE.md, held against the code: layers, no import circle, thin cogs, short modules.

The imports are read from the source (every `import`, also those inside functions and under
TYPE_CHECKING: a circle drawn only for the type checker still ties two modules together for a reader).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("store", "bot")
LONGEST = 400  # lines in one module
ALLOWED_LONG = ("store/db/migrations/", "tests/fakediscord/")

# Bottom to top: a module imports its own layer or lower ones, never a higher one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("store.text",),
    ("store.ingest",),
    ("store.db",),
    ("store.corpus",),
    ("store.search",),
    ("store.servers",),
    ("store.summaries", "store.readinggroup", "store.digest"),  # features: not each other
    ("store.library",),
    ("bot",),
)
FEATURES = LAYERS[6]
# What each folder may import besides itself: ARCHITECTURE.md's table, word for word.
LOWER = ("store.text", "store.ingest", "store.db", "store.corpus", "store.search")
MAY_IMPORT: dict[str, tuple[str, ...]] = {
    "store.text": (),
    "store.ingest": ("store.text",),
    "store.db": ("store.text",),
    "store.corpus": ("store.text", "store.ingest", "store.db"),
    "store.search": ("store.text", "store.ingest", "store.db", "store.corpus"),
    "store.servers": ("store.text", "store.db"),
    **{feature: (*LOWER, "store.servers") for feature in FEATURES},
    "store.library": ("store",),
    "bot": ("store",),
}
# Inside store/ingest, the stages of the data flow: a stage imports the ones before it (records/ is the
# types every stage shares); inside readings/, fields/ come before the shapes, the shapes before the rest.
STAGES = ("store.ingest.records", "store.ingest.text", "store.ingest.structure", "store.ingest.readings.fields",
          "store.ingest.readings.shapes", "store.ingest.readings", "store.ingest")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                found[module_name(path)] = path
    return found


def _imported(path: Path, name: str) -> set[str]:
    """The project modules `path` imports (a `from package import module` counts as that module)."""
    known = modules()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:  # `import store.db.engine.x`: the nearest module named
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


@cache
def graph() -> dict[str, set[str]]:
    return {name: _imported(path, name) for name, path in modules().items()}


def layer_of(name: str) -> int:
    for rank, layer in enumerate(LAYERS):
        if any(name == prefix or name.startswith(prefix + ".") for prefix in layer):
            return rank
    return -1  # `store` itself: its docstring only


def feature_of(name: str) -> str | None:
    return next((f for f in FEATURES if name == f or name.startswith(f + ".")), None)


def test_every_module_has_a_layer() -> None:
    assert [name for name in modules() if layer_of(name) < 0 and name != "store"] == []


def test_no_import_runs_up_the_layers() -> None:
    upward = [f"{a} -> {b}" for a, targets in graph().items() for b in sorted(targets)
              if layer_of(b) > layer_of(a)]
    assert upward == []


def _within(name: str, prefixes: tuple[str, ...] | list[str]) -> str | None:
    return next((p for p in sorted(prefixes, key=len, reverse=True) if name == p or name.startswith(p + ".")), None)


def test_each_folder_imports_only_what_the_map_allows() -> None:
    wrong = []
    for a, targets in graph().items():
        home = _within(a, list(MAY_IMPORT))
        if home is None:
            continue
        wrong += [f"{a} -> {b}" for b in sorted(targets)
                  if not _within(b, [home]) and not _within(b, MAY_IMPORT[home])]
    assert wrong == []


def test_the_ingest_stages_import_only_earlier_stages() -> None:
    rank = {stage: i for i, stage in enumerate(STAGES)}
    later = [f"{a} -> {b}" for a, targets in graph().items() if (sa := _within(a, STAGES))
             for b in sorted(targets) if (sb := _within(b, STAGES)) and rank[sb] > rank[sa]]
    assert later == []


def test_features_do_not_import_each_other() -> None:
    crossing = [f"{a} -> {b}" for a, targets in graph().items() for b in sorted(targets)
                if feature_of(a) and feature_of(b) and feature_of(a) != feature_of(b)]
    assert crossing == []


def test_store_knows_nothing_of_discord() -> None:
    leaks = [name for name, path in modules().items() if name.startswith("store")
             and re.search(r"^\s*(import discord|from discord|import bot|from bot)\b", path.read_text(), re.M)]
    assert leaks == []


def _circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_circle_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle() -> None:
    # A package's __init__ that re-exports its modules is not a circle with them: drop those edges.
    edges = {a: {b for b in targets if not (a + ".").startswith(b + ".")} for a, targets in graph().items()}
    assert _circles(edges) == []


COG_FILES = sorted((ROOT / "bot" / "cogs").rglob("*.py"))


@pytest.mark.parametrize("path", COG_FILES, ids=lambda p: p.name)
def test_cogs_stay_thin(path: Path) -> None:
    """A cog parses, calls one service method, renders: no database session, no reaching into another cog."""
    text = path.read_text(encoding="utf-8")
    database = r"\.session\(\)|sessionmaker|AsyncSession|from sqlalchemy|import sqlalchemy|\.library\."
    assert re.findall(rf"{database}|get_cog\(", text) == []


def _python_files() -> list[Path]:
    files = [p for d in ("bot", "store", "tests", "bench") for p in (ROOT / d).rglob("*.py")]
    return sorted(p for p in files if not any(p.relative_to(ROOT).as_posix().startswith(a) for a in ALLOWED_LONG))


def test_no_module_is_long() -> None:
    long = {p.relative_to(ROOT).as_posix(): n for p in _python_files()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > LONGEST}
    assert long == {}


@pytest.mark.parametrize("folder", sorted({p.parent for p in (ROOT / "store").rglob("__init__.py")
                                           if "migrations" not in p.parts}), ids=lambda p: p.name)
def test_each_store_folder_says_what_lives_there(folder: Path) -> None:
    doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
    assert doc and len(doc) > 40, f"{folder.relative_to(ROOT)}/__init__.py needs a docstring: its job, its imports"


def test_architecture_map_names_every_store_folder() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    folders = sorted({p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "store").rglob("__init__.py")
                      if p.parent.parent == ROOT / "store"})
    assert [f for f in folders if f"{f}/" not in text] == []
