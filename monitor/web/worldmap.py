"""A world map as inline SVG, coloured by availability, from the geometry pygal_maps_world ships.

The geometry is the package's ``worldmap.svg``: one ``<g class="xx country">`` of paths per
country, keyed by lowercase ISO 3166-1 alpha-2. It is read once, as data (never imported as
code), and re-emitted with our own classes and links; territories too small to see get a dot.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources

from markupsafe import Markup

from monitor.extract.countries import country_name

GEOMETRY_PACKAGE = "pygal_maps_world"
GEOMETRY_FILE = "worldmap.svg"
TINY = 300  # countries whose path data is shorter than this also get a dot
_GROUP = re.compile(r'<g class="([a-z]{2}) country map-element">(.*?)</g>', re.DOTALL)
_PATH_DATA = re.compile(r'<path d="([^"]*)"')
_VIEWBOX = re.compile(r'viewBox="([\d. ]+)"')
_START = re.compile(r"^m\s*(-?[\d.]+)[ ,](-?[\d.]+)")
LABELS = {"available": "available", "partial": "available with exceptions", "unavailable": "not available"}


@dataclass(frozen=True, slots=True)
class Geometry:
    view_box: str
    paths: Mapping[str, Markup]  # upper-case code -> its <path/> elements
    dots: Mapping[str, tuple[float, float]]  # upper-case code -> where to put a dot


@functools.cache
def geometry() -> Geometry:
    """The shipped world map, parsed once per process."""
    svg = resources.files(GEOMETRY_PACKAGE).joinpath(GEOMETRY_FILE).read_text("utf-8")
    view_box = _VIEWBOX.search(svg)
    paths: dict[str, Markup] = {}
    dots: dict[str, tuple[float, float]] = {}
    for code, body in _GROUP.findall(svg):
        data = _PATH_DATA.findall(body)
        paths[code.upper()] = Markup("").join(Markup('<path d="{}"/>').format(d) for d in data)
        start = _START.match(max(data, key=len)) if data else None
        if start and sum(map(len, data)) < TINY:
            dots[code.upper()] = (float(start[1]), float(start[2]))
    return Geometry(view_box=view_box[1] if view_box else "0 0 2475 1388", paths=paths, dots=dots)


def render(states: Mapping[str, str], *, link: Callable[[str], str], label: str) -> Markup:
    """The map: every country a ``<g>`` with data-code and data-status, linked to its page."""
    geo = geometry()
    parts = [Markup('<svg class="worldmap" xmlns="http://www.w3.org/2000/svg" viewBox="{}" role="img" '
                    'aria-label="{}">').format(geo.view_box, label)]
    for code, paths in sorted(geo.paths.items()):
        state = states.get(code, "unavailable")
        parts.append(Markup(
            '<a href="{link}"><g class="country {state}" id="country-{code}" data-code="{code}" '
            'data-status="{state}"><title>{name}: {text}</title>{paths}{dot}</g></a>'
        ).format(link=link(code), state=state, code=code, name=country_name(code),
                 text=LABELS.get(state, state), paths=paths, dot=_dot(geo.dots.get(code))))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _dot(where: tuple[float, float] | None) -> Markup:
    if where is None:
        return Markup("")
    return Markup('<circle class="dot" cx="{:.1f}" cy="{:.1f}" r="7"/>').format(*where)


def unmapped(codes: Mapping[str, object] | set[str] | frozenset[str]) -> list[str]:
    """Codes the map has no shape for (listed beside it, never silently dropped)."""
    return sorted(c for c in codes if c not in geometry().paths)
