"""The world map's geometry (shipped by pygal_maps_world) and its rendering."""

from __future__ import annotations

import re

from monitor.web import worldmap


def test_geometry_has_the_countries_that_matter() -> None:
    geo = worldmap.geometry()
    assert len(geo.paths) >= 180
    assert {"HK", "MO", "VN", "CN", "US", "SG", "TW", "RU"} <= set(geo.paths)
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in geo.paths)
    assert {"HK", "MO", "SG"} <= set(geo.dots)  # too small to see: they get a dot
    assert "CN" not in geo.dots and "US" not in geo.dots


def test_render_colours_every_country_from_the_states() -> None:
    svg = worldmap.render({"VN": "available", "FR": "partial"}, link=lambda c: f"/country/{c}", label="acme <api>")
    groups = re.findall(r'<g class="country (\w+)" id="country-(\w\w)" data-code="(\w\w)" data-status="(\w+)">', svg)
    assert len(groups) == len(worldmap.geometry().paths)
    states = {code: status for _, _, code, status in groups}
    assert states["VN"] == "available" and states["FR"] == "partial" and states["HK"] == "unavailable"
    assert all(cls == status for cls, _, _, status in groups)
    assert 'aria-label="acme &lt;api&gt;"' in svg and '<a href="/country/HK">' in svg
    assert "<title>Vietnam: available</title>" in svg


def test_codes_without_a_shape_are_reported() -> None:
    assert worldmap.unmapped({"VN", "XK", "MV", "TV"}) == ["TV", "XK"]
