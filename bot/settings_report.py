"""`paperbot config`: each setting as paperbot will use it, and where it came from, with secrets hidden.

An admin asking "which database is this process on, and why?" needs the value after checking (a weekday
as its name, the default database's real path), not the text typed; the token never appears, nor a
password inside DATABASE_URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from pathlib import Path

from bot.config import DEFAULT, VARIABLES, WEEKDAYS, Settings, sources
from store.db.engine import default_database_url, normalise_url, redact

FIELDS = {"DISCORD_TOKEN": "token"}  # the others: the variable's name in lower case


def _shown(name: str, value: object) -> str:
    if name == "DISCORD_TOKEN":
        return "(not set: the console instead of Discord)" if value is None else "(set, hidden)"
    if name == "DATABASE_URL":
        try:  # as paperbot will use it: a bare path is that SQLite file
            return redact(normalise_url(str(value or default_database_url()), name))
        except ValueError as exc:
            return f"(not usable: {exc})"
    if name == "CORPUS_DIR" and value is None:
        return "(none: the bundled seeds only in the console demo)"
    if name == "DIGEST_WEEKDAY" and isinstance(value, int):
        return WEEKDAYS[value]
    if isinstance(value, bool):  # a switch (MEANING): as it is written
        return "on" if value else "off"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, (frozenset, tuple)):
        return ",".join(map(str, sorted(value) if isinstance(value, frozenset) else value)) or "(none)"
    return "(not set)" if value is None else str(value)


def render(settings: Settings, given: Mapping[str, object] | None = None) -> str:
    """One line per variable: name, value, source; `given` holds the command line's --db and --corpus."""
    source = sources()
    rows = []
    for name in VARIABLES:
        value, origin = getattr(settings, FIELDS.get(name, name.lower())), source[name]
        option = (given or {}).get(name)
        if option is not None:  # --db, --corpus win over the environment
            value, origin = (Path(option) if name == "CORPUS_DIR" else option), "command line"
        rows.append((name, _shown(name, value), origin))
    width = max(len(name) for name, _, _ in rows)
    lines = [f"{name:<{width}}  {value}  [{origin}]" for name, value, origin in rows]
    note = f"[{DEFAULT}]: not set in the environment or ./.env; the environment wins over ./.env"
    return "\n".join([*lines, "", note])
