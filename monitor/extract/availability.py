"""Read the list of country names out of an availability page, and map it to codes.

``spec.select`` picks the elements that hold the list (CSS, or XPath after ``xpath:``); what
a selected element gives depends on what it is:

- an item (``li``, ``td``, ``th``, ``dt``, ``option``, or any inline element): one name, never
  split, since names carry commas ("Congo, Republic of the");
- a list, table, row or ``select``: one name per item, per row (its first cell; header rows
  skipped) or per option;
- any other block (``p``, ``div``, ...): prose, one line per block, each line split at commas,
  semicolons, "、" and "，", and at "and"/"dan"/"和" where both sides are country names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from cssselect import HTMLTranslator, SelectorError
from lxml import etree

from monitor.errors import ExtractError
from monitor.extract.countries import normalize_country, normalize_names
from monitor.extract.html import BLOCK_TAGS, block_lines, collapse, drop, inline_text, parse
from monitor.types import AvailabilitySpec, Claim

_ITEMS = frozenset({"li", "td", "th", "dt", "option"})
_LISTS = frozenset({"ul", "ol", "menu"})
_TABLES = frozenset({"table", "thead", "tbody", "tfoot"})
_NESTED_LISTS = frozenset({"ul", "ol", "menu", "table"})
# Children that take an item off the fast path: spaced, skipped, or marked as footnotes.
_NOT_PLAIN = BLOCK_TAGS | _NESTED_LISTS | {"sup"}
_TRANSLATOR = HTMLTranslator()

_TRAIL = " ,;、，；"  # list punctuation after an item ("Albania,")
_SEPARATORS = re.compile(r"[,;、，；]")
_INTRO = re.compile(r"^[^()（）]*[:：]\s*")
_LEADING_CONJUNCTION = re.compile(r"^(?:and|or|&|dan|serta|atau|et|und|y)\s+", re.IGNORECASE)
_CONJUNCTION = re.compile(r"\s+(?:and|&|dan|serta|et|und|y)\s+|\s*(?:以及|和|及|与|與)\s*", re.IGNORECASE)
_MAX_CONJUNCTIONS = 8
_MAX_PIECE = 300  # longer pieces are sentences, not names: kept whole, reported unmapped


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A spec's selectors, compiled once."""

    select: Any
    exclude: Any | None


def extract_names(
    html: bytes, spec: AvailabilitySpec, *, encoding: str | None = None, root: Any | None = None
) -> list[str]:
    """The country names the page lists where ``spec`` says, in page order.

    ``root``: the page already parsed (``html.shared_parse``); extraction may change it.
    """
    return _names(_select(html, spec, encoding, root))


def extract_claim(
    html: bytes, spec: AvailabilitySpec, *, encoding: str | None = None, root: Any | None = None
) -> Claim:
    """What the page claims: the names it lists, mapped to ISO 3166 codes, and the shape of
    what the selector matched (a lost container is damage, not a removal)."""
    selection = _select(html, spec, encoding, root)
    return replace(normalize_names(_names(selection)), shape=_shape(selection))


def _select(html: bytes, spec: AvailabilitySpec, encoding: str | None, root: Any | None) -> Any:
    """What ``spec.select`` matches once ``spec.exclude`` is dropped."""
    root = parse(html, encoding) if root is None else root
    compiled = _compile_spec(spec.select, spec.exclude)
    if compiled.exclude is not None:
        excluded = _evaluate(compiled.exclude, root)
        for element in excluded if isinstance(excluded, list) else ():
            if isinstance(element, etree._Element):
                drop(element)
    selection = _evaluate(compiled.select, root)
    return _in_section(selection, root, spec.section) if spec.section else selection


_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
#: Questions on help-centre pages that are not h1-h6: an accordion's summary or term, a bold line.
_QUESTIONS = {"summary": 7, "dt": 7, "strong": 8, "b": 8}


def _in_section(selection: Any, root: Any, title: str) -> Any:
    """The matches that come after the first heading (or question) whose text contains ``title``
    and before the next heading of the same rank or higher, in page order; none if no heading
    says it (a page that lost its section reads as empty, never as the whole page)."""
    if not isinstance(selection, list):
        return selection
    elements = list(root.iter())  # kept alive: lxml hands back the same proxy for a node while one lives
    order = {id(element): i for i, element in enumerate(elements)}
    wanted = " ".join(title.casefold().split())
    start = end = None
    rank = 0
    for element in root.iter(*_HEADINGS, *_QUESTIONS):
        level = _HEADINGS.get(element.tag) or _QUESTIONS[element.tag]
        if start is None:
            if wanted in " ".join(inline_text(element).casefold().split()):
                start, rank = order[id(element)], level
        elif level <= rank or (level <= 6 and rank > 6):
            end = order[id(element)]
            break
    if start is None:
        return []
    return [
        found
        for found in selection
        if isinstance(found, etree._Element) and start < order.get(id(found), -1) < (end or len(order))
    ]


def _shape(selection: Any) -> tuple[str, ...]:
    """The tags of the containers holding the matches, in page order: an item's parent (the
    list a ``li`` sits in), any other element itself."""
    seen: dict[int, Any] = {}  # the elements kept alive, so lxml hands back the same proxy
    for found in selection if isinstance(selection, list) else ():
        tag = getattr(found, "tag", None)
        if not isinstance(tag, str):
            continue
        container = found.getparent() if tag in _ITEMS and found.getparent() is not None else found
        seen.setdefault(id(container), container)
    return tuple(element.tag for element in seen.values())


def compile_selector(selector: str) -> Any:
    """A compiled XPath for a CSS selector or an ``xpath:`` expression; ExtractError if bad."""
    return _compile(selector)


@functools.lru_cache(maxsize=512)
def _compile(selector: str) -> Any:
    """Compile one selector (cached by its text)."""
    return _xpath(_to_xpath(selector))


@functools.lru_cache(maxsize=512)
def _compile_spec(select: str, exclude: tuple[str, ...]) -> _Compiled:
    """Compile a spec's selectors (cached): the exclusions become one XPath union."""
    union = " | ".join(_to_xpath(s) for s in exclude if s.strip())
    return _Compiled(select=_compile(select), exclude=_xpath(union) if union else None)


def _to_xpath(selector: str) -> str:
    """The XPath for a CSS selector, or the expression after ``xpath:``."""
    text = selector.strip()
    if text.startswith("xpath:"):
        expression = text[len("xpath:") :].strip()
        _xpath(expression)
        return expression
    try:
        return str(_TRANSLATOR.css_to_xpath(text))
    except SelectorError as exc:
        raise ExtractError(f"bad CSS selector {selector!r}: {exc}") from exc


def _xpath(expression: str) -> Any:
    """Compile an XPath expression; ExtractError if it does not compile."""
    try:
        return etree.XPath(expression)
    except etree.XPathError as exc:
        raise ExtractError(f"bad XPath {expression!r}: {exc}") from exc


def _evaluate(xpath: Any, root: Any) -> Any:
    """The result of ``xpath`` on ``root``; ExtractError if it cannot be evaluated."""
    try:
        return xpath(root)
    except etree.XPathError as exc:
        raise ExtractError(f"selector failed: {exc}") from exc


def _names(result: Any) -> list[str]:
    """The names in a selection: elements by kind, strings as items, one string as prose."""
    if isinstance(result, str):
        return [name for line in result.splitlines() for name in _prose(collapse(line))]
    names: list[str] = []
    for found in result if isinstance(result, list) else ():  # numbers, booleans: nothing
        tag = getattr(found, "tag", None)
        if tag in _ITEMS:  # the common case, kept short: a list item or a cell
            name = _item(found)
            if name:
                names.append(name)
        elif isinstance(tag, str):
            names.extend(_element_names(found))
        elif isinstance(found, str):
            name = collapse(found).rstrip(_TRAIL)
            if name:
                names.append(name)
    return names


def _element_names(element: Any) -> Iterator[str]:
    """The names one selected element gives, by what kind of element it is."""
    tag = element.tag
    if tag in _LISTS:
        items: Iterable[Any] = element.iterchildren("li")
    elif tag in _TABLES:
        items = (_first_cell(row) for row in element.iter("tr"))
    elif tag == "tr":
        items = (_first_cell(element),)
    elif tag == "select":
        items = element.iter("option")
    elif tag in BLOCK_TAGS:
        _mark_footnotes(element)
        for line in block_lines(element):
            yield from _prose(line)
        return
    else:
        items = (element,)
    for item in items:
        name = _item(item)
        if name:
            yield name


def _first_cell(row: Any) -> Any | None:
    """The first cell of a table row, or None for a header row (all ``th``)."""
    cells = [cell for cell in row if cell.tag in ("td", "th")]
    if not cells or all(cell.tag == "th" for cell in cells):
        return None
    return cells[0]


def _item(element: Any | None) -> str:
    """One name: the element's text without nested lists, trailing separators removed."""
    if element is None:
        return ""
    text = element.text or ""
    if len(element):
        parts = [text]
        if element.tag == "sup" or not _plain_parts(element, parts):
            _mark_footnotes(element)
            return inline_text(element, skip=_NESTED_LISTS).rstrip(_TRAIL)
        text = "".join(parts)
    # collapse(text), with its check for invisible characters skipped when all are printable
    return (" ".join(text.split()) if text.isprintable() else collapse(text)).rstrip(_TRAIL)


def _plain_parts(element: Any, parts: list[str]) -> bool:
    """Append the text under ``element``'s children; False if one is a block, list or ``<sup>``.

    Inline children only ("<li><span>Albania</span></li>"): then the text is what
    ``inline_text`` reads, all of it in order, and there is no footnote to mark.
    """
    for child in element[:]:  # a slice: quicker than iterating the element
        tag = child.tag
        if type(tag) is not str or tag in _NOT_PLAIN:
            return False
        if text := child.text:
            parts.append(text)
        if len(child) and not _plain_parts(child, parts):
            return False
        if tail := child.tail:
            parts.append(tail)
    return True


def _mark_footnotes(element: Any) -> None:
    """Write each ``<sup>`` as "[1]", the footnote form the normaliser knows ("Albania[1]")."""
    for sup in list(element.iter("sup")):
        marker = collapse("".join(sup.itertext())).strip("()[] ")
        for child in list(sup):
            sup.remove(child)
        sup.text = f"[{marker}]" if marker else ""


def _prose(line: str) -> list[str]:
    """The names in one line of prose ("Albania, Algeria, and Andorra.")."""
    if line.endswith((":", "：")):
        return []  # an introduction ("We support access from:"), not a list
    line = _INTRO.sub("", line, count=1).rstrip(".。 ")
    pieces = _merge_comma_names([p.strip() for p in _split_outside_parens(line)])
    names: list[str] = []
    for piece in pieces:
        piece = _LEADING_CONJUNCTION.sub("", piece).strip()
        if piece:
            names.extend(_split_conjunctions(piece))
    return names


def _split_outside_parens(line: str) -> list[str]:
    """``line`` split at separators that are not inside brackets."""
    pieces: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(line):
        if char in "(（[":
            depth += 1
        elif char in ")）]":
            depth = max(0, depth - 1)
        elif depth == 0 and _SEPARATORS.match(char):
            pieces.append(line[start:index])
            start = index + 1
    pieces.append(line[start:])
    return pieces


def _merge_comma_names(pieces: list[str]) -> list[str]:
    """Rejoin names that contain a comma ("Congo", "Republic of the") when only joined they map."""
    merged: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if merged and not _known(piece) and _known(f"{merged[-1]}, {piece}"):
            merged[-1] = f"{merged[-1]}, {piece}"
        else:
            merged.append(piece)
    return merged


@functools.lru_cache(maxsize=4096)
def _split_conjunctions(piece: str) -> tuple[str, ...]:
    """``piece`` split at a conjunction only when every part is a name ("Antigua and Barbuda")."""
    if len(piece) > _MAX_PIECE or _known(piece):
        return (piece,)
    for index, match in enumerate(_CONJUNCTION.finditer(piece)):
        if index >= _MAX_CONJUNCTIONS:
            break
        left, right = piece[: match.start()].strip(), piece[match.end() :].strip()
        if left and right and _known(left):
            rest = _split_conjunctions(right)
            if all(_known(part) for part in rest):
                return (left, *rest)
    return (piece,)


@functools.lru_cache(maxsize=8192)
def _known(name: str) -> bool:
    """True when ``name`` alone names exactly one country."""
    try:
        return normalize_country(name) is not None
    except ExtractError:  # ambiguous ("Congo")
        return False
