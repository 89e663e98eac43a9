"""The world map's geometry (Natural Earth, shipped as package data) and its rendering."""

from __future__ import annotations

import re
from importlib import resources
from xml.etree import ElementTree as ET

from monitor.web import worldmap

MAX_BYTES = 200_000


def test_geometry_has_the_countries_that_matter() -> None:
    geo = worldmap.geometry()
    assert len(geo.paths) >= 200
    assert {"HK", "MO", "VN", "CN", "US", "SG", "TW", "RU", "XK", "FJ"} <= set(geo.paths)
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in geo.paths)
    assert {"HK", "MO", "SG"} <= geo.dots  # too small to see: they get a dot
    assert "CN" not in geo.dots and "US" not in geo.dots


def test_the_shipped_file_is_small_valid_svg_with_its_provenance() -> None:
    svg = worldmap.geometry_svg()
    assert len(svg) < MAX_BYTES
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox", "").startswith("0 0 1000 ")
    readme = resources.files("monitor.web.geo").joinpath("README.md").read_text("utf-8")
    assert "public domain" in readme and "Natural Earth" in readme and "ISC" in readme


def test_no_ring_jumps_across_the_map() -> None:
    """Rings cut at the antimeridian: no single step spans half the map (Russia, Fiji)."""
    for code in ("RU", "FJ", "US"):
        data = str(worldmap.geometry().paths[code])
        for step in re.findall(r"(-?\d*\.?\d+)[ ,]?(-?\d*\.?\d+)", data.split("l", 1)[1].split("z")[0]):
            assert abs(float(step[0])) < 500, code


def test_render_colours_every_country_from_the_states() -> None:
    svg = worldmap.render({"VN": "available", "FR": "partial"}, link=lambda c: f"/country/{c}", label="acme <api>")
    groups = re.findall(r'<g class="country (\w+)" data-code="(\w\w)" data-status="(\w+)">', svg)
    assert len(groups) == len(worldmap.geometry().paths)
    states = {code: status for _, code, status in groups}
    assert states["VN"] == "available" and states["FR"] == "partial" and states["HK"] == "unlisted"
    assert all(cls == status for cls, _, status in groups)
    assert 'aria-label="acme &lt;api&gt;"' in svg and '<a href="/country/HK" tabindex="-1"' in svg
    assert "<title>Vietnam: available</title>" in svg


def test_codes_without_a_shape_are_reported() -> None:
    assert worldmap.unmapped({"VN", "XK", "MV", "TV", "ZZ"}) == ["TV", "ZZ"]
