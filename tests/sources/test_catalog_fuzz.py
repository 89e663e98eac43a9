"""Fuzzing the catalog loader: any text and any entry shape give a Catalog or a CatalogError."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.errors import CatalogError
from monitor.sources.catalog import parse_catalog

KEYS = ["id", "kind", "url", "provider", "product", "every", "ignore", "language", "enabled", "note", "colour"]
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(st.text(max_size=10), max_size=3),
    st.sampled_from(["page", "feed", "https://example.com/x", "6h", "1m", "0s", "x-y", "[", "(?P<"]),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # JSON strings, numbers and arrays are valid TOML values


def _check(text: str) -> None:
    try:
        catalog = parse_catalog(text, origin="fuzz.toml")
    except CatalogError as exc:
        assert exc.problems and all(p.startswith("fuzz.toml") for p in exc.problems)
    else:
        assert all(s.id and s.url.startswith(("http://", "https://")) for s in catalog.sources)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=8), max_size=4),
    st.dictionaries(st.sampled_from(["select", "exclude", "max_unmapped", "selector"]), VALUES, max_size=3),
)
def test_any_entry_shape(entries: list[dict[str, object]], availability: dict[str, object]) -> None:
    blocks = []
    for entry in entries:
        lines = ["[[source]]"] + [f"{k} = {_toml_value(v)}" for k, v in entry.items()]
        if availability:
            lines += ["[source.availability]"] + [f"{k} = {_toml_value(v)}" for k, v in availability.items()]
        blocks.append("\n".join(lines))
    _check("\n\n".join(blocks))
