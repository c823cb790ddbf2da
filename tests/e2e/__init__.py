"""End to end: the real bot and discord.py against the local Discord over real sockets, all set up by harness.py."""
