"""Shared HTML helpers: decode bytes whatever they claim, parse once, read visible text.

Decoding order: a byte-order mark; then bytes that are valid UTF-8 are read as UTF-8 whatever
the page or header declares (a page saying iso-8859-1 but written in UTF-8 is common, and valid
UTF-8 with non-ASCII bytes is almost never meant as anything else); then the given encoding,
then the ``<meta>``/XML declaration; then UTF-8 with replacement characters.
"""

from __future__ import annotations

import codecs
import copy
import re
from typing import Any

from lxml import etree

from monitor.errors import ExtractError

#: Elements whose content is never visible text.
INVISIBLE = ("script", "style", "noscript", "template")

#: Elements that start a new line of visible text.
BLOCK_TAGS = frozenset(
    """address article aside blockquote body br caption dd details dialog div dl dt fieldset
    figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main menu nav ol p pre
    section summary table tbody td tfoot th thead title tr ul button option""".split()
)

_BOMS = (  # UTF-32 LE first: its BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""",
    re.IGNORECASE,
)
# WHATWG: these labels mean windows-1252; a UTF-16 label without a BOM means UTF-8.
_ALIASES = {"latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252"}
_NOT_DOCUMENT_CODECS = frozenset(
    """utf_16 utf_16_le utf_16_be utf_32 utf_32_le utf_32_be utf_7 unicode_escape
    raw_unicode_escape idna punycode undefined""".split()
)
_INVISIBLE_CHARS = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# What lxml refuses in a text node: C0 controls (entities like &#1; produce them) and U+FFFE/F.
_NOT_XML_CHARS = dict.fromkeys([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])
_INVISIBLE_CHARS.update(_NOT_XML_CHARS)
_ODD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u00ad\u200b-\u200d\u2060\ufeff\ufffe\uffff]")
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # _NOT_XML_CHARS


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when unknown or unusable for documents."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name.replace("-", "_")
    except (LookupError, ValueError):
        return None
    if name in _NOT_DOCUMENT_CODECS:
        return None
    return _ALIASES.get(name, name)


def declared_encoding(body: bytes) -> str | None:
    """The charset a document declares in its first 4 KB (meta or XML declaration)."""
    match = _DECLARED.search(body, 0, 4096)
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii", "replace")
    return codec_name(label)


def decode(body: bytes, encoding: str | None = None) -> str:
    """Text of ``body``: BOM, else valid UTF-8, else ``encoding``, else declared, else UTF-8."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for candidate in (codec_name(encoding), declared_encoding(body)):
        if candidate is not None:
            try:
                return body.decode(candidate, "replace")
            except (LookupError, UnicodeError, TypeError, ValueError):
                continue
    return body.decode("utf-8", "replace")


_PARSER = etree.HTMLParser(
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
    no_network=True,
    recover=True,
    collect_ids=False,
)


def parse(body: bytes, encoding: str | None = None) -> Any:
    """The root element of an HTML document; ExtractError when there is no document at all."""
    data = body if _is_utf8(body) else decode(body, encoding).encode("utf-8")
    try:
        root = etree.fromstring(data, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ExtractError(f"cannot parse HTML: {exc}") from exc
    if root is None:
        raise ExtractError("empty document: nothing to parse")
    etree.strip_elements(root, *INVISIBLE, with_tail=False)
    return root


def shared_parse(body: bytes) -> Any | None:
    """One parse of a UTF-8 body that both text normalisation and list extraction may read.

    ``parse`` reads a valid UTF-8 body as it is, whatever charset either caller would pass, so
    one tree serves both; None for any other body (each caller then parses with its own
    charset) or when there is no document (each caller then reports it as it always did).
    """
    if not _is_utf8(body):
        return None
    try:
        return parse(body)
    except ExtractError:
        return None


def _is_utf8(body: bytes) -> bool:
    """True when ``body`` is BOM-less valid UTF-8 (the fast path: parse the bytes as they are)."""
    if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def drop(element: Any) -> None:
    """Remove ``element`` and its subtree, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            set_text(previous, "tail", (previous.tail or "") + tail)
        else:
            set_text(parent, "text", (parent.text or "") + tail)
    parent.remove(element)


def set_text(element: Any, attribute: str, value: str) -> None:
    """Set an element's ``text`` or ``tail``, dropping what lxml refuses (``&#1;`` controls)."""
    try:
        setattr(element, attribute, value)
    except ValueError:
        setattr(element, attribute, value.translate(_NOT_XML_CHARS))


def collapse(text: str) -> str:
    """``text`` on one line: invisible characters removed, whitespace runs made one space."""
    if not text.isprintable() and _ODD_CHARS.search(text):  # the odd ones are unprintable
        text = text.translate(_INVISIBLE_CHARS)
    return " ".join(text.split())


def inline_text(element: Any, *, skip: frozenset[str] = frozenset()) -> str:
    """The collapsed text of ``element`` (inline children joined as rendered, blocks spaced)."""
    if len(element) == 0:
        return collapse(element.text or "")
    parts: list[str] = []
    _inline_parts(element, parts, skip)
    return collapse("".join(parts))


def _inline_parts(element: Any, parts: list[str], skip: frozenset[str]) -> None:
    """Append the text of ``element``'s subtree, a space around block elements."""
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in skip:
            block = tag in BLOCK_TAGS
            if block:
                parts.append(" ")
            _inline_parts(child, parts, skip)
            if block:
                parts.append(" ")
        if child.tail:
            parts.append(child.tail)


def block_lines(element: Any) -> list[str]:
    """The visible text of ``element`` as collapsed, non-empty lines (a block starts and ends one)."""
    text = block_text(element)
    return text.split("\n") if text else []


def block_text(element: Any) -> str:
    """The lines of ``block_lines``, joined by "\\n".

    Read by one XSLT pass (libxslt: no Python call per element) that writes a line break where
    each block element starts and ends, and leaves the tree as it was. Two cases are read as they
    always were, by writing the breaks into the tree (``_marked_text``): a failed transform (its
    recursion limit is far beyond the parser's depth limit), and a character that lxml refuses
    to set back (a control character from "&#1;") in the subtree or in a block element's own
    tail; marking then loses the text that holds it, and so a page reads exactly as before.
    """
    try:
        text = str(_BLOCK_TEXT(element))
    except etree.XSLTError:
        return _collapsed(_marked_text(element))
    tail = element.tail
    if tail and element.tag in BLOCK_TAGS and _REFUSED.search(tail):
        return _collapsed(_marked_text(element))
    if _ODD_CHARS.search(text) is None:  # the common case: nothing to take out
        return collapse_lines(text)
    if _REFUSED.search(text):
        text = _marked_text(element)
    return _collapsed(text)


def _collapsed(text: str) -> str:
    """``collapse_lines`` of ``text`` with the invisible characters taken out first."""
    if _ODD_CHARS.search(text):
        text = text.translate(_INVISIBLE_CHARS)
    return collapse_lines(text)


def collapse_lines(text: str) -> str:
    """``text`` with each line collapsed (see ``collapse``), empty lines dropped, joined by "\\n"."""
    lines = map(" ".join, map(str.split, filter(None, text.split("\n"))))
    return "\n".join(filter(None, lines))


def _marked_text(element: Any) -> str:
    """The text of ``element`` with a line break written around each block, in a copy of it
    (the tree itself stays as it was: an extraction may read it next)."""
    element = copy.deepcopy(element)
    try:
        for block in element.iter(*BLOCK_TAGS):
            block.text = "\n" + (block.text or "")
            block.tail = "\n" + (block.tail or "")
    except ValueError:  # a control character from "&#1;": again, carefully (extra breaks are fine)
        for block in element.iter(*BLOCK_TAGS):
            set_text(block, "text", "\n" + (block.text or ""))
            set_text(block, "tail", "\n" + (block.tail or ""))
    text: str = etree.tostring(element, method="text", encoding="unicode", with_tail=False)
    return text


# The text of a subtree (its tail left out), "\n" where each block element starts and ends:
# what _marked_text gives, without touching the tree and without a Python call per element.
_BLOCK_TEXT = etree.XSLT(
    etree.XML(
        f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
    <xsl:output method="text" encoding="utf-8"/>
    <xsl:template match="{"|".join(sorted(BLOCK_TAGS))}">
        <xsl:text>&#10;</xsl:text><xsl:apply-templates/><xsl:text>&#10;</xsl:text>
    </xsl:template>
    </xsl:stylesheet>"""
    )
)
