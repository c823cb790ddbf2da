"""`paperbot ARGS` with discord.py pointed at a test's local Discord (or at a port where nothing listens), as a
process of its own: the CLI's `main` runs its own event loop and signal handlers, which a test's loop cannot
host. Configured from the environment as `paperbot` is:

    python -m tests.e2e.doctor_process API_BASE ARGS...
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

from bot.cli import main
from tests.fakediscord import pointed_at

if __name__ == "__main__":
    api_base, *args = sys.argv[1:]
    # no gateway: nothing here connects to one (an unused address, should anything try)
    with pointed_at(SimpleNamespace(api_base=api_base, gateway_url="ws://127.0.0.1:9/gateway")):  # type: ignore[arg-type]
        sys.exit(main(args))
