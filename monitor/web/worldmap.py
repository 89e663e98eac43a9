"""A world map as inline SVG: the shipped Natural Earth geometry, coloured per request.

The geometry is ``geo/worldmap.svg`` (built by ``geo/build_worldmap.py``, public domain): one
``<path id="CC">`` per country, keyed by ISO 3166-1 alpha-2, and a ``<circle id="CC-dot">`` for
countries too small to see. It is parsed once per process into ready-made fragments; a request
only picks each country's class. The file itself is also served as is (``/map.svg``, cached).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from xml.etree import ElementTree as ET

from markupsafe import Markup

from monitor.extract.countries import country_name

SVG = "{http://www.w3.org/2000/svg}"
STATES = ("available", "partial", "unavailable", "unlisted", "unwatched", "added", "removed")
LABELS = {
    "available": "available",
    "partial": "available with exceptions",
    "unavailable": "not available",
    "unlisted": "not listed",
    "unwatched": "not watched",
    "added": "added",
    "removed": "removed",
}


@dataclass(frozen=True, slots=True)
class Geometry:
    view_box: str
    paths: Mapping[str, Markup]  # upper-case code -> its shape (a <path/>, a dot <circle/>, or both)
    dots: frozenset[str]  # codes drawn as a dot


def geometry_svg() -> bytes:
    """The shipped SVG file, byte for byte."""
    return resources.files("monitor.web.geo").joinpath("worldmap.svg").read_bytes()


@functools.cache
def geometry() -> Geometry:
    """The shipped world map, parsed once per process."""
    root = ET.fromstring(geometry_svg())  # noqa: S314 - our own committed file, not input
    paths: dict[str, Markup] = {}
    dots = set()
    for element in root:
        ident = element.get("id", "")
        if element.tag == f"{SVG}path":
            paths[ident] = paths.get(ident, Markup("")) + Markup('<path d="{}"/>').format(element.get("d"))
        elif element.tag == f"{SVG}circle":
            code = ident.removesuffix("-dot")
            dots.add(code)
            paths[code] = paths.get(code, Markup("")) + Markup('<circle class="dot" cx="{}" cy="{}" r="{}"/>').format(
                element.get("cx"), element.get("cy"), element.get("r")
            )
    return Geometry(view_box=root.get("viewBox", "0 0 1000 447"), paths=paths, dots=frozenset(dots))


def render(states: Mapping[str, str], *, link: Callable[[str], str], label: str, default: str = "unlisted") -> Markup:
    """The map: every country a ``<g>`` with data-code and data-status; a click opens its page.

    To assistive technology the picture is one labelled group whose shapes are hidden: its links
    are for pointers only (tabindex -1, aria-hidden), because the page lists the same countries
    as text, outside the picture.
    """
    geo = geometry()
    parts = [
        Markup(
            '<svg class="worldmap" xmlns="http://www.w3.org/2000/svg" viewBox="{}" role="group" '
            'aria-label="{}" focusable="false">'
        ).format(geo.view_box, label)
    ]
    parts.append(_PATTERNS)
    for code in sorted(geo.paths):
        parts.append(_country(code, states.get(code, default), link(code)))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


@functools.lru_cache(maxsize=4096)
def _country(code: str, state: str, href: str) -> Markup:
    """One country's linked shape in one state: the same few hundred fragments serve every request."""
    return Markup(
        '<a href="{link}" tabindex="-1" aria-hidden="true"><g class="country {state}" data-code="{code}" '
        'data-status="{state}"><title>{name}: {text}</title>{shape}</g></a>'
    ).format(
        link=href,
        state=state,
        code=code,
        name=country_name(code),
        text=LABELS.get(state, state),
        shape=geometry().paths[code],
    )


# Colour is never the only mark: "exceptions" are hatched, "not available" and "removed" striped,
# "added" dotted, so neighbours whose colours are close (green beside red or blue) still differ.
_PATTERNS = Markup(
    '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" class="hatch-ground"/>'
    '<line x1="0" y1="0" x2="0" y2="6" class="hatch-line"/></pattern>'
    '<pattern id="stripes" width="5" height="5" patternUnits="userSpaceOnUse">'
    '<rect width="5" height="5" class="stripes-ground"/><line x1="0" y1="1" x2="5" y2="1" class="stripes-line"/>'
    '</pattern><pattern id="dots" width="5" height="5" patternUnits="userSpaceOnUse">'
    '<rect width="5" height="5" class="dots-ground"/><circle cx="2.5" cy="2.5" r="1" class="dots-dot"/>'
    "</pattern></defs>"
)


def unmapped(codes: Mapping[str, object] | set[str] | frozenset[str]) -> list[str]:
    """Codes the map has no shape for (listed beside it, never silently dropped)."""
    return sorted(c for c in codes if c not in geometry().paths)
