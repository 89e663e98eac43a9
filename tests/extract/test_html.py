from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from monitor.extract import html
from monitor.extract.html import block_lines, collapse_lines, parse

_PIECES = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<ul>",
        "<li>",
        "</li>",
        "</ul>",
        "<br>",
        "<span>",
        "</span>",
        "<b>",
        "</b>",
        "<table><tr><td>",
        "</td><td>",
        "<sup>",
        "</sup>",
        "<o:p>",
        "<pre>",
        "<title>",
        "<script>",
        "</script>",
        "<!-- c -->",
        "&#1;",
        "&#x1c;",
        "&#xFFFE;",
        "&nbsp;",
        "&amp;",
        "\u200b",
        "\u2028",
        "\x85",
        "Albania",
        "Al",
        "bania",
        " ",
        "  ",
        "\n",
        "\t",
        "\r\n",
        "、",
        "Türkiye",
        "中国",
    ]
)


def _marked_lines(body: bytes, path: str) -> list[str]:
    """block_lines the way it was read before XSLT: line breaks written into the tree."""
    element = parse(body).xpath(path)[0]
    text = html._collapsed(html._marked_text(element))
    return text.split("\n") if text else []


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(_PIECES, max_size=40), path=st.sampled_from([".", "//body", "(//p | //div | //li)[1]"]))
def test_block_lines_read_as_marking_the_tree_did(pieces: list[str], path: str) -> None:
    body = ("<html><body>" + "".join(pieces) + "</body></html>").encode()
    element = parse(body).xpath(path)
    if not element:
        return
    assert block_lines(element[0]) == _marked_lines(body, path)


def test_block_lines_leave_the_tree_as_it_was() -> None:
    root = parse(b"<div>Albania<p>Algeria</p>Andorra<br>Angola</div>")
    before = etree.tostring(root)
    assert block_lines(root) == ["Albania", "Algeria", "Andorra", "Angola"]
    assert etree.tostring(root) == before


def test_text_lxml_refuses_to_take_back_is_lost_as_before() -> None:
    # "&#1;" parses, but lxml will not set a text holding it: marking the tree lost that text.
    assert block_lines(parse(b"<p>Albania</p><p>Al&#1;geria</p><p>Andorra</p>")) == ["Albania", "Andorra"]
    assert block_lines(parse(b"<p>Albania<b>Al&#1;geria</b></p>")) == ["AlbaniaAlgeria"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("ab \t\n\r\x0c\x1c\xa0\u2028"), max_size=40))
def test_collapse_lines_collapses_each_line(text: str) -> None:
    expected = "\n".join(" ".join(words) for words in map(str.split, text.split("\n")) if words)
    assert collapse_lines(text) == expected
