"""What a paper's link may be: an absolute http(s) URL, well formed per RFC 3986, or nothing.

A link is sent as an embed's `url`, and Discord refuses a whole message over one malformed or non-web
URL, so every page showing the paper would fail; `javascript:` or `data:` links are never wanted at all.
Links are therefore checked once, where they enter (a file's records, a member's form), and stored
only in the form checked here. What a writer plainly meant is mended: a bare `arxiv.org/abs/...` or
`doi.org/...` gets https, `<...>` or `(...)` around it and a trailing `.` `,` `;` `:` `!` `?` or unbalanced
`)` from the sentence are trimmed, scheme and host are lower-cased, an internationalised host is written in
IDNA (`xn--`, which also shows a look-alike host for what it is) and other non-ASCII characters are
percent-encoded. Anything else that is not such a URL is refused, with a reason that quotes at most a
short, escaped part of the value.
"""

from __future__ import annotations

import re
import unicodedata

import rfc3986
from rfc3986 import exceptions, validators

__all__ = ["MAX_LINK_CHARS", "checked_link", "web_link"]

MAX_LINK_CHARS = 2048  # the link columns' size, and Discord's limit for an embed's url
_QUOTE_CHARS = 40
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!\d)")  # "host:8080/..." is a host and port, not a scheme
_MENDABLE = re.compile(r"(?:www\.)?arxiv\.org(?=$|[/?#:])|(?:dx\.)?doi\.org(?=$|[/?#:])", re.IGNORECASE)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_DNS_NAME = re.compile(r"(?:(?!-)[a-z0-9_-]{1,63}(?<!-)\.)*(?!-)[a-z0-9_-]{1,63}(?<!-)\.?")
_TRAILING = ".,;:!?"
# The common case, a plain link already in its stored form, is answered without a full parse (a bulk import
# checks a link per paper); tests hold it to the same answer as the full check.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TLD = r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"  # never all digits: "999.1.1.1" goes to the full check
_PLAIN = re.compile(rf"https?://(?:{_LABEL}\.)*{_TLD}(?:/[A-Za-z0-9_~/.-]*[A-Za-z0-9_~/-])?/?")
_VALIDATOR = (validators.Validator().allow_schemes("http", "https").require_presence_of("scheme", "host")
              .check_validity_of("scheme", "userinfo", "host", "port", "path", "query", "fragment"))


def web_link(raw: str | None) -> str | None:
    """The link to store for `raw`, or None when it is empty or cannot be a web link."""
    return checked_link(raw)[0]


def checked_link(raw: str | None) -> tuple[str | None, str | None]:
    """(the link to store, None), or (None, why it was refused); (None, None) for an empty value."""
    if raw is not None and len(raw) <= MAX_LINK_CHARS and _PLAIN.fullmatch(raw):
        return raw, None
    return _full_check(raw or "")


def _full_check(raw: str) -> tuple[str | None, str | None]:
    text = _trimmed(raw)
    if not text:
        return None, None
    link, reason = _checked(text)
    return (link, None) if link else (None, f"{_quoted(text)} {reason}")


def _trimmed(text: str) -> str:
    """The value without surrounding blanks, `<...>` or `(...)` around it and the punctuation of the sentence
    after it: "<https://x.org/a>.", "(https://x.org/a)," and "https://x.org/a)." all give "https://x.org/a"."""
    text = _without_punctuation(text.strip())
    if text[:1] + text[-1:] in {"<>", "()"}:
        text = _without_punctuation(text[1:-1].strip())
    return text


def _without_punctuation(text: str) -> str:
    unopened = text.count(")") - text.count("(")
    end = len(text)
    while end:
        if text[end - 1] in _TRAILING:
            end -= 1
        elif text[end - 1] == ")" and unopened > 0:  # "(see https://x.org/a)" loses it; "x.org/A_(b)" keeps it
            end, unopened = end - 1, unopened - 1
        else:
            break
    return text[:end]


def _checked(text: str) -> tuple[str | None, str]:
    """(the stored form, "") or (None, the reason) for a trimmed, non-empty value."""
    if any(unicodedata.category(c) == "Cc" and not c.isspace() for c in text):
        return None, "holds a control character"
    if any(c.isspace() for c in text):
        return None, "holds a space: a link is one address"
    if len(text) > MAX_LINK_CHARS:
        return None, f"is {len(text):,} characters long, over the {MAX_LINK_CHARS:,} a link may have"
    if _MENDABLE.match(text):
        text = f"https://{text}"
    scheme = _SCHEME.match(text)
    if scheme is None:
        return None, "does not start with http:// or https:// (only arxiv.org and doi.org links are completed)"
    if scheme.group(1).lower() not in {"http", "https"}:
        return None, f"uses {scheme.group(1).lower()}:, and a link must start with http:// or https://"
    if "\\" in text:  # browsers read it as "/", this parser as a character of the host or path: never both
        return None, "holds a backslash"
    if _BAD_ESCAPE.search(text):
        return None, "has a % not followed by two hexadecimal digits"
    try:
        iri = rfc3986.iri_reference(text)
        if iri.authority and not iri.host:  # ("x.org:1:2", "[::1"): encoding would drop it silently
            return None, "has no valid host name"
        uri = iri.encode()
    except (exceptions.RFC3986Exception, ValueError):  # an authority that does not parse, a host IDNA refuses
        return None, "has no valid host name"
    uri = uri.copy_with(scheme=(uri.scheme or "").lower(), authority=(uri.authority or "").lower().removesuffix(":"))
    link = uri.unsplit()
    if len(link) > MAX_LINK_CHARS:
        return None, f"is {len(link):,} characters long once encoded, over the {MAX_LINK_CHARS:,} a link may have"
    stored = rfc3986.uri_reference(link)  # what every reader of the stored link will parse
    if reason := _invalid(stored):
        return None, reason
    if stored.unsplit() != link:
        return None, "is not a well-formed address (RFC 3986)"
    return link, ""


def _invalid(uri: rfc3986.URIReference) -> str | None:
    """Why the encoded URI is not an http(s) URL with a host name or IP address, if it is not."""
    try:
        userinfo = uri.userinfo
    except exceptions.InvalidAuthority:
        return "has no valid host name"
    if userinfo is not None:
        return "has a name before its host (name@host), which hides where it leads"
    try:
        _VALIDATOR.validate(uri)
    except exceptions.MissingComponentError:
        return "has no valid host name" if uri.authority else "names no host"
    except exceptions.InvalidComponentsError as exc:
        if "port" in exc.components:
            return "has an invalid port"
        if "host" in exc.components:
            return "has no valid host name"
        return f"has a malformed {exc.components[0]} (RFC 3986)"
    except exceptions.ValidationError:
        return "is not a well-formed address (RFC 3986)"
    host = uri.host or ""
    if not ((host.startswith("[") and "%" not in host) or _DNS_NAME.fullmatch(host)):  # no IPv6 zone: not a web host
        return "has no valid host name"
    return None


def _quoted(text: str) -> str:
    """A short, printable quote of a refused value: never a long paste, never a raw control character."""
    clipped = text if len(text) <= _QUOTE_CHARS else f"{text[:_QUOTE_CHARS - 1]}…"
    return repr(clipped)
