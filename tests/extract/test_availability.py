from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.detect.availability import diff_sets
from monitor.detect.decide import DecisionKind, FetchFacts, Known, Observation, Rules, decide
from monitor.detect.guard import reject_reason
from monitor.detect.normalize import normalize_text
from monitor.errors import ExtractError
from monitor.extract.availability import compile_selector, extract_claim, extract_names
from monitor.types import AvailabilitySpec

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
COMMENT = re.compile(rb"\A\s*<!--(.*?)-->", re.DOTALL)
FIELD = re.compile(r"\s*([\w-]+):\s*(.*?)\s*\Z", re.DOTALL)

T0 = datetime(2026, 1, 5, tzinfo=UTC)
FRESH = FetchFacts(final_url=None, fresh=True, conditional=False)


@dataclass(frozen=True)
class Page:
    """A fixture page and what its header says it must give."""

    path: Path
    header: dict[str, list[str]]

    @property
    def body(self) -> bytes:
        return self.path.read_bytes()

    @property
    def spec(self) -> AvailabilitySpec:
        return AvailabilitySpec(
            select=self.one("select"),
            exclude=tuple(self.header.get("exclude", ())),
            max_unmapped=int(self.one("max-unmapped", "3")),
        )

    def one(self, key: str, default: str | None = None) -> str:
        values = self.header.get(key)
        if not values:
            assert default is not None, f"{self.path.name}: no {key!r} in the header"
            return default
        return values[-1]

    def words(self, key: str, default: list[str] | None = None) -> list[str]:
        if default is not None and key not in self.header:
            return default
        return self.one(key).split()

    def names(self, key: str, default: list[str] | None = None) -> list[str]:
        if default is not None and key not in self.header:
            return default
        return [n.strip() for n in self.one(key).split("|") if n.strip()]


def read_header(path: Path) -> Page:
    """The ``<!-- key: value -->`` comments a fixture starts with (a key may repeat).

    Headers are written in the page's own encoding: UTF-8, or windows-1252 for pages in it.
    """
    data = path.read_bytes()
    header: dict[str, list[str]] = {}
    while comment := COMMENT.match(data):
        if field := FIELD.match(decode_header(comment[1])):
            header.setdefault(field[1], []).append(field[2])
        data = data[comment.end() :]
    return Page(path, header)


def decode_header(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


FIXTURES = [read_header(p) for p in sorted(PAGES.glob("*.html"))]
SPEC = AvailabilitySpec(select="ul.countries li")


def test_there_are_fixtures() -> None:
    assert len(FIXTURES) >= 12
    for page in FIXTURES:
        assert "select" in page.header and "expect-codes" in page.header, page.path.name


@pytest.mark.parametrize("page", FIXTURES, ids=lambda p: p.path.name)
def test_fixture(page: Page) -> None:
    encoding = page.one("encoding", "") or None
    claim = extract_claim(page.body, page.spec, encoding=encoding)
    assert sorted(claim.codes) == sorted(page.words("expect-codes"))
    assert list(claim.unmapped) == page.names("expect-unmapped", [])
    if "expect-names" in page.header:
        assert extract_names(page.body, page.spec, encoding=encoding) == page.names("expect-names")
    if "expect-caveats" in page.header:
        assert sorted(claim.caveats) == page.words("expect-caveats")
    previous = None
    if "previous" in page.header:
        before = read_header(PAGES / page.one("previous"))
        previous = extract_claim(before.body, before.spec).codes
        added, removed = diff_sets(previous, claim.codes)
        assert list(added) == page.words("expect-added", list(added))
        assert list(removed) == page.words("expect-removed", list(removed))
        if "expect-text" in page.header:
            old = normalize_text(before.body, content_type="text/html")
            new = normalize_text(page.body, content_type="text/html")
            assert (old == new) is (page.one("expect-text") == "same")
    decision = decide(
        Known(open_set=previous),
        Observation(claim=claim, facts=FRESH, observed_at=T0),
        Rules(max_unmapped=page.spec.max_unmapped),
    )
    expected = page.words("expect")
    suspect = decision.kind is DecisionKind.REJECT or decision.damage
    assert suspect is (expected[0] == "suspect"), decision
    assert (str(decision.reason) if suspect else None) == (expected[1] if suspect else None)


def test_real_anthropic_pages_give_the_same_175_codes(realdata: Path) -> None:
    spec = AvailabilitySpec(select="#content-area .prose > ul > li")
    folder = realdata / "availability"
    early = extract_claim((folder / "anthropic__swilliams__88a217c.html").read_bytes(), spec)
    late = extract_claim((folder / "anthropic__swilliams__969a700.html").read_bytes(), spec)
    for claim in (early, late):
        assert len(claim.codes) == 175 and claim.names == 175
        assert claim.unmapped == ()
        assert dict(claim.caveats) == {"UA": ("Crimea", "Donetsk", "Luhansk")}
        assert not claim.codes & {"CN", "HK", "MO", "RU", "BY", "IR", "KP", "SY", "CU"}
        assert reject_reason(claim, max_unmapped=0) is None
    assert early.codes == late.codes
    assert diff_sets(early.codes, late.codes) == ((), ())


def test_encoding_argument_and_boms() -> None:
    page = "<ul class=countries><li>Curaçao</li><li>Türkiye</li></ul>"
    expected = ["Curaçao", "Türkiye"]
    assert extract_names(page.encode("cp1252"), SPEC, encoding="windows-1252") == expected
    assert extract_names(page.encode("cp1252"), SPEC, encoding="x-no-such-charset") != expected
    assert extract_names(codecs.BOM_UTF16_LE + page.encode("utf-16-le"), SPEC) == expected
    assert extract_names(codecs.BOM_UTF8 + page.encode(), SPEC, encoding="latin-1") == expected
    assert extract_names(page.encode("cp1252"), SPEC) == ["Cura�ao", "T�rkiye"]


@pytest.mark.parametrize("body", [b"", b"   \n", b"<!-- nothing but a comment -->"])
def test_no_document_is_an_extract_error(body: bytes) -> None:
    with pytest.raises(ExtractError):
        extract_names(body, SPEC)


@pytest.mark.parametrize("selector", ["ul[", "li::nope(", "xpath://li[", "xpath:foo()"])
def test_bad_selectors_are_extract_errors(selector: str) -> None:
    with pytest.raises(ExtractError):
        extract_names(b"<ul><li>Albania</li></ul>", AvailabilitySpec(select=selector))


def test_selectors_are_compiled_once() -> None:
    assert compile_selector("ul.x > li") is compile_selector("ul.x > li")


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        ("ul", ["Albania", "Algeria"]),
        ("ol li", ["Andorra"]),
        ("table", ["Brazil", "Canada"]),
        ("select", ["Chile", "Denmark"]),
        ("xpath://ul/li/text()", ["Albania", "Algeria"]),
        ("xpath:string(//p[@id='p'])", ["Estonia", "Finland"]),
        ("xpath:count(//li)", []),
        ("dl dt", ["Fiji"]),
        ("span.c", ["Ghana"]),
    ],
)
def test_what_each_kind_of_element_gives(select: str, expected: list[str]) -> None:
    page = b"""<ul><li>Albania</li><li>Algeria<ol><li>Andorra</li></ol></li></ul>
    <table><tr><th>Name</th></tr><tr><td>Brazil</td><td>BR</td></tr><tr><td>Canada</td></tr></table>
    <select><option>Chile</option><option>Denmark</option></select>
    <p id="p">Estonia and Finland</p><dl><dt>Fiji</dt><dd>yes</dd></dl>
    <span class="c">Ghana</span>"""
    assert extract_names(page, AvailabilitySpec(select=select)) == expected


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        ("Albania, Algeria, and Andorra", ["Albania", "Algeria", "Andorra"]),
        ("Albania; Algeria; Andorra.", ["Albania", "Algeria", "Andorra"]),
        ("Available in: Kenya and Nigeria", ["Kenya", "Nigeria"]),
        ("Atlantis and Narnia", ["Atlantis and Narnia"]),
        ("Kenya, Atlantis and Narnia", ["Kenya", "Atlantis and Narnia"]),
        ("Saint Kitts and Nevis and Trinidad and Tobago", ["Saint Kitts and Nevis", "Trinidad and Tobago"]),
        ("Korea, Republic of, Japan", ["Korea, Republic of", "Japan"]),
        ("Albania<sup>1</sup>, Algeria", ["Albania[1]", "Algeria"]),
        ("阿尔巴尼亚，阿尔及利亚及安道尔", ["阿尔巴尼亚", "阿尔及利亚", "安道尔"]),
        ("中非共和国、日本", ["中非共和国", "日本"]),
        ("Albania, Aljazair, serta Andorra", ["Albania", "Aljazair", "Andorra"]),
        ("We support these countries:", []),
    ],
)
def test_prose_is_split_into_names(prose: str, expected: list[str]) -> None:
    page = f"<div class=x><p>{prose}</p></div>".encode()
    assert extract_names(page, AvailabilitySpec(select="div.x")) == expected


def test_lines_of_a_block_are_read_separately() -> None:
    page = b"<div class=x>Albania<br>Algeria<div>Andorra, Angola</div></div>"
    assert extract_names(page, AvailabilitySpec(select="div.x")) == ["Albania", "Algeria", "Andorra", "Angola"]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("<span>Albania</span>", "Albania"),  # inline children: read in one go
        ("Al<b>ba</b>nia,", "Albania"),
        ("<a href='#'><span>Cabo</span> <em>Verde</em></a>;", "Cabo Verde"),
        ("<span>Congo,</span>\n  <span>Republic of the</span>", "Congo, Republic of the"),
        ("Albania<sup>1</sup>", "Albania[1]"),  # a footnote is marked
        ("<span>Albania<sup>(a)</sup></span>", "Albania[a]"),
        ("Al<br>bania", "Al bania"),  # a block child is a break
        ("Al<div>bania</div>", "Al bania"),
        ("Albania<ul><li>Tirana</li></ul>", "Albania"),  # a nested list is left out
        ("<span>Albania</span><table><tr><td>x</td></tr></table>", "Albania"),
    ],
)
def test_an_item_reads_as_rendered(item: str, expected: str) -> None:
    page = f"<ul class=countries><li>{item}</li></ul>".encode()
    assert extract_names(page, AvailabilitySpec(select="ul.countries > li")) == [expected]


def test_excluded_subtrees_keep_the_text_after_them() -> None:
    page = b"<p class=x>Kenya<span class=ad>Buy now</span>, Nigeria</p>"
    spec = AvailabilitySpec(select="p.x", exclude=("span.ad",))
    assert extract_names(page, spec) == ["Kenya", "Nigeria"]


def test_claim_counts_names() -> None:
    claim = extract_claim(b"<ul class=countries><li>Kenya</li><li>Atlantis</li></ul>", SPEC)
    assert claim.codes == {"KE"} and claim.unmapped == ("Atlantis",) and claim.names == 2


HTMLISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "<ul class=countries>",
                "</ul>",
                "<li>",
                "</li>",
                "<p>",
                "<sup>",
                "</",
                "<table><tr><td>",
                "<!--",
                "-->",
                "&#1;",
                "&#xFFFE;",
                "&amp",
                "<br>",
                "<script>",
                "<meta charset=utf-16>",
                "\x00",
                "Kenya",
                ", and ",
                "、",
                "<nav>",
                "</nav>",
            ]
        ),
        st.text(max_size=20),
    ),
    max_size=40,
).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.one_of(st.binary(max_size=3000), HTMLISH),
    select=st.sampled_from(["ul.countries li", "p", "td", "body", "xpath://text()"]),
    encoding=st.sampled_from([None, "utf-8", "latin-1", "shift_jis", "utf-16", "bogus"]),
)
def test_arbitrary_bytes_never_crash(body: bytes, select: str, encoding: str | None) -> None:
    spec = AvailabilitySpec(select=select, exclude=("nav",))
    try:
        names = extract_names(body, spec, encoding=encoding)
        claim = extract_claim(body, spec, encoding=encoding)
    except ExtractError:
        return
    assert all(isinstance(n, str) and n and n == n.strip() for n in names)
    assert claim.names == len(names)


HELP_CENTRE = b"""<html><body><nav><ul><li>Home</li><li>Docs</li></ul></nav>
<article><h1>Using the app abroad</h1>
<div class="q"><h2>Which countries is the app available in?</h2></div>
<div><p>We offer it in:</p><ul><li>France</li><li>Japan</li><li>Kenya</li></ul></div>
<h3>Notes</h3><ul><li>Korea</li></ul>
<h2>Where is the app not available?</h2><ul><li>China</li><li>Russia</li></ul>
<details><summary>Can I use a VPN?</summary><ul><li>No</li></ul></details>
</article></body></html>"""


def test_a_section_scopes_the_list_to_one_heading_of_a_help_centre_page() -> None:
    scoped = extract_claim(HELP_CENTRE, AvailabilitySpec(select="li", section="which countries"))
    assert scoped.codes == {"FR", "JP", "KE", "KR"} and scoped.unmapped == ()  # an h3 stays inside the h2
    excluded = extract_claim(HELP_CENTRE, AvailabilitySpec(select="li", section="not available"))
    assert excluded.codes == {"CN", "RU"}  # the next question (a summary) ends it
    whole = extract_claim(HELP_CENTRE, AvailabilitySpec(select="li"))
    assert {"CN", "RU"} <= whole.codes and "Home" in whole.unmapped  # what scoping keeps out
    assert extract_claim(HELP_CENTRE, AvailabilitySpec(select="li", section="Pricing")).codes == frozenset()
