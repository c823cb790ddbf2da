"""What real Discord rejects, checked the way Discord checks it (documented limits)."""

from __future__ import annotations

import re
from typing import Any

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def message_errors(payload: dict[str, Any], *, editing: bool = False) -> list[str]:
    """Problems with a message payload (content, embeds, components); empty list: Discord accepts it."""
    errors: list[str] = []
    content = payload.get("content") or ""
    embeds = payload.get("embeds") or []
    components = payload.get("components") or []
    if len(content) > 2000:
        errors.append(f"content: must be 2000 or fewer in length ({len(content)})")
    if len(embeds) > 10:
        errors.append(f"embeds: must be 10 or fewer in length ({len(embeds)})")
    total = 0
    for i, e in enumerate(embeds):
        for key, limit in (("title", 256), ("description", 4096)):
            n = len(e.get(key) or "")
            total += n
            if n > limit:
                errors.append(f"embeds.{i}.{key}: must be {limit} or fewer in length ({n})")
        fields = e.get("fields") or []
        if len(fields) > 25:
            errors.append(f"embeds.{i}.fields: must be 25 or fewer in length")
        for j, f in enumerate(fields):
            name, value = f.get("name") or "", f.get("value") or ""
            total += len(name) + len(value)
            if not name or len(name) > 256:
                errors.append(f"embeds.{i}.fields.{j}.name: must be 1 to 256 in length")
            if not value or len(value) > 1024:
                errors.append(f"embeds.{i}.fields.{j}.value: must be 1 to 1024 in length")
        footer = (e.get("footer") or {}).get("text") or ""
        author = (e.get("author") or {}).get("name") or ""
        total += len(footer) + len(author)
        if len(footer) > 2048:
            errors.append(f"embeds.{i}.footer.text: must be 2048 or fewer in length")
        if len(author) > 256:
            errors.append(f"embeds.{i}.author.name: must be 256 or fewer in length")
    if total > 6000:
        errors.append(f"embeds: total size must be 6000 or fewer ({total})")
    if len(components) > 5:
        errors.append("components: must be 5 or fewer in length")
    for i, row in enumerate(components):
        children = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(children) <= 5:
            errors.append(f"components.{i}: an action row holds 1 to 5 components")
        for j, c in enumerate(children):
            cid = c.get("custom_id") or ""
            if len(cid) > 100:
                errors.append(f"components.{i}.{j}.custom_id: must be 100 or fewer in length")
            if c.get("type") == 2 and len(c.get("label") or "") > 80:
                errors.append(f"components.{i}.{j}.label: must be 80 or fewer in length")
            if c.get("type") == 3:
                options = c.get("options") or []
                if not 1 <= len(options) <= 25:
                    errors.append(f"components.{i}.{j}.options: must be 1 to 25 in length")
                for k, o in enumerate(options):
                    for key in ("label", "value", "description"):
                        if len(o.get(key) or "") > 100:
                            errors.append(f"components.{i}.{j}.options.{k}.{key}: must be 100 or fewer")
    if not editing and not (content or embeds or components or payload.get("attachments")):
        errors.append("Cannot send an empty message")
    return errors


def choices_errors(choices: list[dict[str, Any]]) -> list[str]:
    errors = []
    if len(choices) > 25:
        errors.append("choices: must be 25 or fewer in length")
    for i, c in enumerate(choices):
        if not 1 <= len(c.get("name") or "") <= 100:
            errors.append(f"choices.{i}.name: must be 1 to 100 in length")
        if isinstance(c.get("value"), str) and len(c["value"]) > 100:
            errors.append(f"choices.{i}.value: must be 100 or fewer in length")
    return errors


def _option_errors(where: str, options: list[dict[str, Any]], depth: int = 0) -> tuple[list[str], int]:
    errors, chars = [], 0
    if len(options) > 25:
        errors.append(f"{where}.options: must be 25 or fewer in length")
    seen_optional = False
    for i, o in enumerate(options):
        here = f"{where}.options.{i}"
        name, desc = o.get("name") or "", o.get("description") or ""
        chars += len(name) + len(desc)
        if not COMMAND_NAME.match(name) or name != name.lower():
            errors.append(f"{here}.name: invalid option name {name!r}")
        if not 1 <= len(desc) <= 100:
            errors.append(f"{here}.description: must be 1 to 100 in length")
        if o.get("type") in (1, 2):
            if depth >= 2 or (o.get("type") == 2 and depth >= 1):
                errors.append(f"{here}: subcommands nest at most one group deep")
            sub_errors, sub_chars = _option_errors(here, o.get("options") or [], depth + 1)
            errors += sub_errors
            chars += sub_chars
            continue
        if o.get("required"):
            if seen_optional:
                errors.append(f"{here}: required options must come before optional ones")
        else:
            seen_optional = True
        choices = o.get("choices") or []
        errors += [f"{here}.{e}" for e in choices_errors(choices)]
        chars += sum(len(c.get("name") or "") + len(str(c.get("value"))) for c in choices)
        for key in ("min_length", "max_length"):
            if key in o and o[key] is not None and not 0 <= o[key] <= 6000:
                errors.append(f"{here}.{key}: must be between 0 and 6000")
        if o.get("autocomplete") and choices:
            errors.append(f"{here}: autocomplete and choices cannot be used together")
    return errors, chars


def command_errors(cmd: dict[str, Any]) -> list[str]:
    name = cmd.get("name") or ""
    errors = []
    if not COMMAND_NAME.match(name) or name != name.lower():
        errors.append(f"{name}: invalid command name")
    kind = cmd.get("type", 1)
    if kind == 1 and not 1 <= len(cmd.get("description") or "") <= 100:
        errors.append(f"{name}.description: must be 1 to 100 in length")
    perms = cmd.get("default_member_permissions")
    if perms is not None and not (isinstance(perms, int) or (isinstance(perms, str) and perms.isdigit())):
        errors.append(f"{name}.default_member_permissions: must be a permission bit set (integer or digits)")
    option_errors, chars = _option_errors(name, cmd.get("options") or [])
    errors += option_errors
    if len(name) + len(cmd.get("description") or "") + chars > 4000:
        errors.append(f"{name}: the command's names, descriptions and values exceed 4000 characters")
    return errors
