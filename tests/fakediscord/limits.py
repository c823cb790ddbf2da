"""Discord's rules that its OpenAPI description does not encode: checked here, and only these.

Everything the description says (lengths of content, titles, fields, choices, option counts, component
shapes...) is checked by openapi.py against Discord's own file. What remains are rules Discord documents
and enforces but the file is silent on; each says so.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from tests.fakediscord.openapi import Problem

# The spec is silent: ApplicationCommandUpdateRequest.name is 1-32 characters with no pattern. Discord
# documents ^[-_\w]{1,32}$ and lower case for chat-input command and option names.
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def message_errors(payload: dict[str, Any], *, editing: bool = False) -> list[str]:
    """Problems with a message payload the spec cannot see; empty list: Discord accepts it."""
    errors: list[str] = []
    content = payload.get("content") or ""
    embeds = payload.get("embeds") or []
    # The spec is silent here: it allows 4000 characters in create_message; Discord enforces 2000 for bots.
    if len(content) > 2000:
        errors.append(f"content: must be 2000 or fewer in length ({len(content)})")
    # The spec is silent: each field has its own limit there, the 6000-character total of all embeds is not.
    total = 0
    for e in embeds:
        total += len(e.get("title") or "") + len(e.get("description") or "")
        total += sum(len(f.get("name") or "") + len(f.get("value") or "") for f in e.get("fields") or [])
        total += len((e.get("footer") or {}).get("text") or "") + len((e.get("author") or {}).get("name") or "")
    if total > 6000:
        errors.append(f"embeds: total size must be 6000 or fewer ({total})")
    # The spec is silent (every key is optional): Discord refuses a new message with nothing in it.
    if not editing and not (content or embeds or payload.get("components") or payload.get("attachments")
                            or payload.get("poll")):
        errors.append("Cannot send an empty message")
    # The spec is silent: a kind in `parse` and a list of ids of that kind exclude each other.
    allowed = payload.get("allowed_mentions") or {}
    for kind in ("users", "roles"):
        if kind in (allowed.get("parse") or []) and allowed.get(kind):
            errors.append(f"allowed_mentions: parse {kind!r} and a {kind} list are mutually exclusive")
    return errors


# The spec says only `format: uri`. Discord documents, and refuses otherwise: images, thumbnails and icons
# are http(s) or an uploaded file (attachment://name); every other embed URL is http(s); a link button
# opens http(s) or discord:// links.
WEB = ("http", "https")
MEDIA = ("http", "https", "attachment")
EMBED_URLS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("url",): WEB, ("author", "url"): WEB, ("author", "icon_url"): MEDIA, ("footer", "icon_url"): MEDIA,
    ("image", "url"): MEDIA, ("thumbnail", "url"): MEDIA, ("video", "url"): WEB, ("provider", "url"): WEB}
BUTTON_SCHEMES = ("http", "https", "discord")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def url_problem(url: str, schemes: tuple[str, ...]) -> tuple[str, str] | None:
    """Discord's (code, message) for a URL it refuses where only `schemes` are allowed; None: accepted."""
    scheme = _SCHEME.match(url)
    if scheme is None:
        return "URL_TYPE_INVALID_URL", "Not a well formed URL."
    if scheme.group(1).lower() not in schemes:
        return ("URL_TYPE_INVALID_SCHEME",
                f'Scheme "{scheme.group(1)}" is not supported. Scheme must be one of {schemes}.')
    try:
        host = urlsplit(url).netloc
    except ValueError:  # an unclosed IPv6 bracket
        host = ""
    if not host:  # "https:foo" is a URI (RFC 3986) but no web address
        return "URL_TYPE_INVALID_URL", "Not a well formed URL."
    return None


def _at(node: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node


def url_problems(body: Any) -> list[Problem]:
    """Embed and link-button URLs Discord refuses, in a message body or an interaction callback's `data`,
    with the path Discord names them by (`embeds.0.url`, `data.embeds.0.image.url`)."""
    problems: list[Problem] = []
    if not isinstance(body, dict):
        return problems
    for prefix, message in (((), body), (("data",), body.get("data"))):
        if not isinstance(message, dict):
            continue
        for i, embed in enumerate(message.get("embeds") or []):
            for keys, schemes in EMBED_URLS.items():
                url = _at(embed, keys)
                found = url_problem(url, schemes) if isinstance(url, str) else None
                if found:
                    problems.append(Problem((*prefix, "embeds", i, *keys), *found))
        for r, row in enumerate(message.get("components") or []):
            for c, component in enumerate((row.get("components") or []) if isinstance(row, dict) else []):
                url = component.get("url") if isinstance(component, dict) else None
                found = url_problem(url, BUTTON_SCHEMES) if isinstance(url, str) else None
                if found:
                    problems.append(Problem((*prefix, "components", r, "components", c, "url"), *found))
    return problems


def _option_errors(where: str, options: list[dict[str, Any]], depth: int = 0) -> tuple[list[str], int]:
    errors, chars = [], 0
    seen_optional = False
    for i, o in enumerate(options):
        here = f"{where}.options.{i}"
        name = o.get("name") or ""
        chars += len(name) + len(o.get("description") or "")
        # The spec is silent: option names have the command-name pattern and must be lower case.
        if not COMMAND_NAME.match(name) or name != name.lower():
            errors.append(f"{here}.name: invalid option name {name!r}")
        if o.get("type") in (1, 2):
            # The spec is silent: a group holds subcommands, a subcommand holds no subcommand.
            if depth >= 2 or (o.get("type") == 2 and depth >= 1):
                errors.append(f"{here}: subcommands nest at most one group deep")
            sub_errors, sub_chars = _option_errors(here, o.get("options") or [], depth + 1)
            errors += sub_errors
            chars += sub_chars
            continue
        # The spec is silent: required options come before optional ones.
        if o.get("required"):
            if seen_optional:
                errors.append(f"{here}: required options must come before optional ones")
        else:
            seen_optional = True
        choices = o.get("choices") or []
        chars += sum(len(c.get("name") or "") + len(str(c.get("value"))) for c in choices)
        # The spec is silent: autocomplete and choices exclude each other.
        if o.get("autocomplete") and choices:
            errors.append(f"{here}: autocomplete and choices cannot be used together")
    return errors, chars


def command_errors(cmd: dict[str, Any]) -> list[str]:
    name = cmd.get("name") or ""
    errors = []
    # The spec is silent: the name pattern and lower case (see COMMAND_NAME).
    if not COMMAND_NAME.match(name) or name != name.lower():
        errors.append(f"{name}: invalid command name")
    # The spec is silent: description is optional there; a chat-input command needs one.
    if cmd.get("type", 1) == 1 and not cmd.get("description"):
        errors.append(f"{name}.description: a chat-input command needs a description")
    option_errors, chars = _option_errors(name, cmd.get("options") or [])
    errors += option_errors
    # The spec is silent: names, descriptions and choice values of one command total 4000 characters.
    if len(name) + len(cmd.get("description") or "") + chars > 4000:
        errors.append(f"{name}: the command's names, descriptions and values exceed 4000 characters")
    return errors
