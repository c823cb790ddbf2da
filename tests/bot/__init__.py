"""The Discord and command-line faces (bot/): rendering, untrusted and hostile text, settings, the CLI."""
