"""Discord's own OpenAPI description as the oracle for every body the local Discord receives or returns.

Why not our own rules: a rule we wrote from the documentation proves only that the bot agrees with our
reading. `spec/openapi.json` is Discord's (pinned, MIT, see spec/README.md). It is loaded once per
process; each schema is compiled once (jsonschema's Draft 2020-12 validator, `$ref`s resolved by
`referencing`) and cached, so a body costs well under a millisecond.

Where the file is known to be looser or stricter than Discord, four adjustments, each deliberate:
- Snowflakes: `SnowflakeType` is a string of digits, but discord.py sends integers in
  `allowed_mentions.users/roles`, `message_reference` and command ids, and Discord accepts them. Request
  bodies accept a non-negative integer too; response bodies (ours) must still use strings.
- Unions: an `anyOf` failure says only "not valid under any of the given schemas". A body whose branches
  carry a `type` enum (interaction callbacks) is validated against the branch its `type` names, so the
  error names the real field; other unions take the first branch the body fits (else the first).
- Unknown keys: no request schema sets `additionalProperties: false`, so a misspelled key would pass.
  `unknown_keys` rejects any key that no branch of the schema defines, except the few in ALLOWED_EXTRA.
- Field errors: `InnerErrors._errors` items are `Error`, whose `code` is an integer; Discord's field errors
  (and its documentation's example of a 50035 body) carry string codes ("BASE_TYPE_REQUIRED"). Inside
  `errors` a code may be a string (FIELD_ERROR); the top-level `code` stays an integer.

Formats: JSON Schema makes `format` an annotation; Discord enforces `uri` (RFC 3986) and `date-time`
(RFC 3339), so every body is checked with jsonschema's FormatChecker for those two (FORMATS). jsonschema
skips, without a word, a format whose package is missing (`rfc3986-validator`, `rfc3339-validator`, in the
`test` extra): this module refuses to load without them rather than check less than it says.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parent / "spec" / "openapi.json"
URI = "urn:discord:openapi"
SCHEMAS = "#/components/schemas/"

WIDE_SNOWFLAKE = {"type": ["string", "integer"], "pattern": "^(0|[1-9][0-9]*)$", "minimum": 0,
                  "format": "snowflake"}

# InnerErrors with Discord's string codes allowed (see the module docstring).
FIELD_ERROR = {"type": "object", "properties": {"code": {"type": ["integer", "string"]}, "message": {"type": "string"}},
               "required": ["code", "message"]}
FIELD_ERRORS = {"type": "object", "properties": {"_errors": {"type": "array", "items": FIELD_ERROR}},
                "additionalProperties": False, "required": ["_errors"]}

# Keys discord.py 2.7 sends that the schema does not define: (component schema, key) -> why it is sent.
# Anything else outside the schema is refused as a misspelling would be.
ALLOWED_EXTRA: dict[tuple[str, str], str] = {
    ("ApplicationCommandUpdateRequest", "nsfw"):
        "app_commands.Command.to_dict always sends nsfw (age-restricted commands, documented by Discord "
        "for commands; the spec has it on ApplicationCommandResponse only)",
    ("RichEmbed", "flags"):
        "discord.Embed sets _flags = 0 in __init__ and to_dict sends every set slot, so every embed carries "
        "flags: 0 (embed flags exist on received embeds; Discord ignores them in requests)",
    ("IncomingWebhookUpdateForInteractionCallbackRequestPartial", "tts"):
        "InteractionResponse.edit_message (callback type 7) builds its body with the same helper as "
        "send_message, which always sends tts: false",
    ("ResolvedObjectsResponse", "attachments"):
        "not discord.py's but Discord's own: the documentation's Resolved Data Structure has 'attachments', a "
        "map of ids to attachment objects, sent for ATTACHMENT (type 11) options; the description omits it "
        "(the local Discord checks each one against AttachmentResponse when it is registered)",
    ("IncomingWebhookUpdateRequestPartial", "tts"):
        "WebhookMessage.edit (a view disabling its buttons on timeout) uses the same message-parameters "
        "helper, which always sends tts: false",
    ("MessageEditRequestPartial", "tts"):
        "Message.edit (the reading group's announcement, edited when a session moves, is cancelled or done) "
        "uses the same message-parameters helper, which always sends tts: false",
}

# The formats Discord enforces that the description uses (it also names int32, int64, double, snowflake and
# nonce: numeric widths and our own names, which the types and patterns already cover).
FORMATS = ("uri", "date-time")
_MISSING = set(FORMATS) - set(FormatChecker.checkers)
if _MISSING:  # jsonschema registers a format only when its package imports: without it, no check at all
    raise ImportError(f"jsonschema cannot check the formats {sorted(_MISSING)}: install the test extra "
                      "(rfc3986-validator for uri, rfc3339-validator for date-time)")
FORMAT_CHECKER = FormatChecker(formats=FORMATS)

# Discord's own words for a value of the wrong format (code, message; {value} is the value).
_FORMAT_ERRORS = {"uri": ("URL_TYPE_INVALID_URL", "Not a well formed URL."),
                  "date-time": ("DATE_TIME_TYPE_PARSE", "Could not parse {value}. Should be ISO8601.")}

# How many bodies were checked in this process, by direction ("request"/"response"/"gateway").
VALIDATED: Counter[str] = Counter()


@functools.cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@functools.cache
def _registry(requests: bool) -> Registry:
    doc = spec()
    schemas = {**doc["components"]["schemas"], "InnerErrors": FIELD_ERRORS}  # see the module docstring
    if requests:  # widen SnowflakeType for what clients send (see the module docstring)
        schemas["SnowflakeType"] = WIDE_SNOWFLAKE
    doc = {**doc, "components": {**doc["components"], "schemas": schemas}}
    return Registry().with_resource(URI, Resource.from_contents(doc, default_specification=DRAFT202012))


@functools.cache
def _validator(pointer: str, requests: bool) -> Draft202012Validator:
    return Draft202012Validator({"$ref": URI + pointer}, registry=_registry(requests), format_checker=FORMAT_CHECKER)


def _node(pointer: str) -> Any:
    node: Any = spec()
    for part in pointer.removeprefix("#/").split("/"):
        if part:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _deref(pointer: str) -> tuple[str, dict[str, Any]]:
    """Follow `$ref`s (all local in this file) to the pointer and the schema they end on."""
    node = _node(pointer)
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        pointer = node["$ref"]
        node = _node(pointer)
    return pointer, node if isinstance(node, dict) else {}


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def component_of(pointer: str) -> str:
    return pointer.removeprefix(SCHEMAS).split("/")[0] if pointer.startswith(SCHEMAS) else pointer


@dataclass(frozen=True)
class Problem:
    """One reason Discord would refuse a body: where (`data.embeds.0.title`), a Discord-style code, why."""

    path: tuple[str | int, ...]
    code: str
    message: str

    @property
    def where(self) -> str:
        return ".".join(str(p) for p in self.path) or "(body)"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


_CODES = {"maxLength": "BASE_TYPE_MAX_LENGTH", "minLength": "BASE_TYPE_MIN_LENGTH", "maxItems": "BASE_TYPE_MAX_LENGTH",
          "minItems": "BASE_TYPE_MIN_LENGTH", "required": "BASE_TYPE_REQUIRED", "enum": "BASE_TYPE_CHOICES",
          "const": "BASE_TYPE_CHOICES", "type": "BASE_TYPE_BAD_TYPE", "maximum": "NUMBER_TYPE_MAX",
          "minimum": "NUMBER_TYPE_MIN", "pattern": "STRING_TYPE_REGEX"}


def _branch_score(errors: list[ValidationError], depth: int) -> tuple[int, int]:
    # A branch of the wrong type or kind ("type" or an enum failing at the union's own level, or at the
    # `type` key of the object) is the least likely meaning; then the branch with the fewest failures.
    wrong_kind = any(e.validator in ("type", "const", "enum") and (
        len(e.absolute_path) == depth or (len(e.absolute_path) == depth + 1 and e.absolute_path[-1] == "type"))
        for e in errors)
    return int(wrong_kind), len(errors)


def _leaves(error: ValidationError) -> list[ValidationError]:
    """A union's failure as the failures of the branch the body came closest to (fewest errors, right type)."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return [error]
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context:
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).extend(_leaves(sub))
    depth = len(error.absolute_path)
    return min(by_branch.values(), key=lambda errors: _branch_score(errors, depth))


def _problem(leaf: ValidationError) -> Problem:
    value = repr(leaf.instance)
    shown = value if len(value) <= 60 else value[:40] + f"…' ({len(leaf.instance)} long)"
    schema = leaf.schema if isinstance(leaf.schema, dict) else {}
    reason = leaf.message if len(leaf.message) <= 200 else f"{shown} fails {leaf.validator}"
    if leaf.validator in ("maxLength", "minLength", "maxItems", "minItems", "maximum", "minimum", "pattern"):
        reason = f"{shown} fails {leaf.validator} {schema.get(leaf.validator)!r}"
    if leaf.validator == "required" and isinstance(leaf.instance, dict):
        # Discord names a missing field at the field itself ({"name": {"_errors": [BASE_TYPE_REQUIRED]}}),
        # so a node never holds its own _errors next to its fields' (which ErrorDetails cannot express).
        named = re.match(r"^'([^']+)' is a required property", leaf.message)
        missing = named.group(1) if named else next((k for k in leaf.validator_value if k not in leaf.instance), None)
        if missing is not None:
            return Problem((*leaf.absolute_path, missing), "BASE_TYPE_REQUIRED", f"This field is required ({reason})")
    if leaf.validator == "format" and leaf.validator_value in _FORMAT_ERRORS:
        code, message = _FORMAT_ERRORS[leaf.validator_value]
        value = str(leaf.instance)
        return Problem(tuple(leaf.absolute_path), code, message.format(value=value if len(value) <= 60 else shown))
    return Problem(tuple(leaf.absolute_path), _CODES.get(str(leaf.validator), "INVALID"), reason)


_JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _type_fits(schema: dict[str, Any], instance: Any) -> bool | None:
    """A cheap answer to "could this branch be the one?" from `type` and a `type` enum; None: cannot tell."""
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        number = isinstance(instance, (int, float)) and not isinstance(instance, bool)
        if not any((k in ("integer", "number") and number)
                   or (k in _JSON_TYPES and isinstance(instance, _JSON_TYPES[k])) for k in kinds):
            return False
    if isinstance(instance, dict) and "type" in instance:
        enum = ((schema.get("properties") or {}).get("type") or {}).get("enum")
        if enum is not None:
            return instance["type"] in enum
    return None


def _fits(pointer: str, instance: Any, requests: bool) -> bool:
    cheap = _type_fits(_deref(pointer)[1], instance)
    if cheap is False:
        return False
    return _validator(pointer, requests).is_valid(instance)


def choose_branch(pointer: str, body: Any, requests: bool = True) -> tuple[str, list[Problem]]:
    """The union branch a body means: by its `type` when the branches name theirs, else the first it fits."""
    pointer, schema = _deref(pointer)
    key = "oneOf" if "oneOf" in schema else "anyOf" if "anyOf" in schema else None
    if key is None:
        return pointer, []
    branches = [_deref(f"{pointer}/{key}/{i}") for i in range(len(schema[key]))]
    enums = [((s.get("properties") or {}).get("type") or {}).get("enum") for _, s in branches]
    if isinstance(body, dict) and all(enums):
        for (ptr, _), enum in zip(branches, enums, strict=True):
            if body.get("type") in enum:
                return ptr, []
        offered = sorted({t for e in enums for t in e if e})
        return pointer, [Problem(("type",), "BASE_TYPE_CHOICES", f"{body.get('type')!r} is not one of {offered}")]
    for ptr, _ in branches:
        if _fits(ptr, body, requests):
            return ptr, []
    return branches[0][0], []


def validate(pointer: str, body: Any, *, requests: bool, strict: bool | None = None, count: str | None = None
             ) -> list[Problem]:
    """Every problem with `body` under the schema at `pointer` (empty: Discord accepts it)."""
    VALIDATED[count or ("request" if requests else "response")] += 1
    pointer, problems = choose_branch(pointer, body, requests)
    if problems:
        return problems
    strict = requests if strict is None else strict
    return list(_validate_cached(pointer, json.dumps(body, sort_keys=True), requests, strict))


@functools.lru_cache(maxsize=8192)
def _validate_cached(pointer: str, body_json: str, requests: bool, strict: bool) -> tuple[Problem, ...]:
    # Bodies repeat (the same answer to the same query, the same command set): checked once each.
    body = json.loads(body_json)
    problems = [_problem(leaf) for e in _validator(pointer, requests).iter_errors(body) for leaf in _leaves(e)]
    if strict:
        problems += unknown_keys(pointer, body, requests)
    return tuple(problems)


def validate_component(name: str, body: Any, *, count: str = "gateway") -> list[Problem]:
    """Check a part of a gateway payload against a component schema (strings for snowflakes, as we send)."""
    return validate(SCHEMAS + name, body, requests=False, strict=True, count=count)


def _flatten(pointer: str, instance: Any, requests: bool) -> Iterator[str]:
    """The schema and every allOf member, and the anyOf/oneOf members the instance fits, as pointers."""
    pointer, schema = _deref(pointer)
    yield pointer
    for i in range(len(schema.get("allOf") or [])):
        yield from _flatten(f"{pointer}/allOf/{i}", instance, requests)
    for key in ("anyOf", "oneOf"):
        members = [f"{pointer}/{key}/{i}" for i in range(len(schema.get(key) or []))]
        typed = [m for m in members if _type_fits(_deref(m)[1], instance) is not False]
        # The members the instance fits; if it fits none (it is invalid anyway), those of its JSON type,
        # so a misspelled key is still named next to an over-long field.
        fitting = [m for m in typed if _fits(m, instance, requests)] if len(typed) > 1 else typed
        for member in fitting or typed:
            yield from _flatten(member, instance, requests)


def unknown_keys(pointer: str, instance: Any, requests: bool = True, path: tuple[str | int, ...] = ()
                 ) -> list[Problem]:
    """Keys in `instance` that no applicable branch of the schema defines (and ALLOWED_EXTRA does not excuse)."""
    branches = [(p, _deref(p)[1]) for p in _flatten(pointer, instance, requests)]
    problems: list[Problem] = []
    if isinstance(instance, dict):
        properties: dict[str, list[str]] = {}
        extra: list[str] = []
        open_object = True
        for ptr, schema in branches:
            for key in schema.get("properties") or {}:
                properties.setdefault(key, []).append(f"{ptr}/properties/{_escape(key)}")
                open_object = False
            more = schema.get("additionalProperties")
            if isinstance(more, dict) and more:
                extra.append(f"{ptr}/additionalProperties")
                open_object = False
        if open_object:
            return problems  # a free-form object: the spec says nothing about its keys
        names = {component_of(p) for p, _ in branches}
        for key, value in instance.items():
            where = (*path, key)
            if key in properties:
                for sub in properties[key]:
                    problems += unknown_keys(sub, value, requests, where)
            elif extra:
                for sub in extra:
                    problems += unknown_keys(sub, value, requests, where)
            elif not any((name, key) in ALLOWED_EXTRA for name in names):
                defined = "/".join(sorted(n for n in names if not n.startswith("#")))
                problems.append(Problem(where, "UNKNOWN_KEY",
                                        f"{key!r} is not a property of {defined or 'the schema'}"))
    elif isinstance(instance, list):
        for ptr, schema in branches:
            if isinstance(schema.get("items"), dict):
                for i, item in enumerate(instance):
                    problems += unknown_keys(f"{ptr}/items", item, requests, (*path, i))
    return sorted(set(problems), key=lambda p: (p.where, p.message))


def discord_errors(problems: list[Problem]) -> dict[str, Any]:
    """Discord's `errors` shape: nested by path, each leaf {"_errors": [{"code", "message"}]}."""
    out: dict[str, Any] = {}
    for p in problems:
        node = out
        for part in p.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": p.code, "message": p.message})
    return out


# --- operations ---

@dataclass(frozen=True)
class Operation:
    """One operation of the description: how to match its path, where its schemas are, who may call it."""

    id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    request: str | None  # pointer to the JSON request schema
    responses: dict[str, str | None]  # status -> pointer to the JSON response schema (None: no body)
    needs_bot_token: bool  # False where the spec allows no authentication ({} in security): interaction webhooks
    headers: dict[str, dict[str, str]] = field(default_factory=dict)  # status -> name -> schema

    def status_key(self, status: int) -> str | None:
        """The description's entry for a status: itself, else its class ("4XX"), else None."""
        for key in (str(status), f"{status // 100}XX"):
            if key in self.responses:
                return key
        return None

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        m = self.pattern.fullmatch(path)
        return m.groupdict() if m else None

    def literal_parts(self) -> int:
        return sum(1 for part in self.template.split("/") if part and not part.startswith("{"))


@functools.cache
def operation(operation_id: str) -> Operation:
    for template, item in spec()["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or op.get("operationId") != operation_id:
                continue
            base = f"#/paths/{_escape(template)}/{method}"
            request = (f"{base}/requestBody/content/application~1json/schema"
                       if "application/json" in ((op.get("requestBody") or {}).get("content") or {}) else None)
            responses: dict[str, str | None] = {}
            headers: dict[str, dict[str, str]] = {}
            for status in op["responses"]:
                # 429 and 4XX are shared: {"$ref": "#/components/responses/ClientErrorResponse"}
                at, r = _deref(f"{base}/responses/{status}")
                has_body = ((r.get("content") or {}).get("application/json") or {}).get("schema")
                responses[status] = f"{at}/content/application~1json/schema" if has_body else None
                headers[status] = {name: _deref(f"{at}/headers/{_escape(name)}")[0] + "/schema"
                                   for name in r.get("headers") or {}}
            regex = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(template))
            security = op.get("security") or [{"BotToken": []}]
            return Operation(operation_id, method.upper(), template, re.compile(regex), request, responses,
                             {} not in security, headers)
    raise KeyError(f"no operation {operation_id!r} in the description")


def header_problems(op: Operation, status: int, headers: dict[str, str]) -> list[str]:
    """Headers the description defines for this answer (the X-RateLimit-* ones) that break their schema
    (integer, number, string), or that the answer lacks while other X-RateLimit-* headers are present."""
    key = op.status_key(status)
    defined = op.headers.get(key or "", {})
    present = {k.lower(): v for k, v in headers.items()}
    problems = []
    if not any(k.startswith("x-ratelimit-") for k in present):
        return problems  # an answer on a route the server does not limit
    for name, pointer in defined.items():
        value = present.get(name.lower())
        if value is None:
            problems.append(f"{status} to {op.id} lacks {name}")
            continue
        kind = _node(pointer).get("type")
        ok = {"integer": re.fullmatch(r"-?\d+", value), "number": re.fullmatch(r"-?\d+(\.\d+)?", value),
              "string": bool(value)}.get(kind, True)
        if not ok:
            problems.append(f"{status} to {op.id}: {name} {value!r} is not a {kind}")
    return problems


def route(operations: list[Operation], method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
    """The operation a request is for: literal segments win over parameters (@original before {message_id})."""
    for op in sorted(operations, key=lambda o: -o.literal_parts()):
        params = op.match(method, path)
        if params is not None:
            return op, params
    return None
