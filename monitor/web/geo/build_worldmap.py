"""Build ``worldmap.svg`` from Natural Earth countries as TopoJSON (npm's ``world-atlas``).

Run once by a person, never at run time; the SVG it writes is committed beside it::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python -m monitor.web.geo.build_worldmap package/countries-50m.json monitor/web/geo/worldmap.svg

Each shared border (a TopoJSON arc) is simplified once (Douglas-Peucker), so neighbours keep
meeting exactly; rings that cross the antimeridian are cut there, then projected (Equal
Earth). Each country becomes one ``<path>`` whose id is its ISO 3166-1 alpha-2 code;
countries too small to see get a ``<circle class="dot">`` too.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pycountry

Point = tuple[float, float]
WIDTH = 1000.0
TOLERANCE = 0.14  # degrees (about 0.4 px at WIDTH): what Douglas-Peucker may drop
TINY_AREA = 12.0  # px² at WIDTH: countries smaller than this also get a dot
MIN_RING_AREA = 0.6  # px²: islands smaller than this are left out (the dot or the mainland stays)
# Natural Earth features without an ISO numeric id: Kosovo has a user-assigned code; the rest join
# the ISO country they belong to, as ISO 3166 counts them.
NO_ID = {"Kosovo": "XK", "N. Cyprus": "CY", "Somaliland": "SO"}
LEFT_OUT = {"AQ"}  # Antarctica: no provider lists it, and it would take a fifth of the height

A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> Point:
    """Equal Earth projection (Šavrič, Patterson and Jenny 2018), unscaled."""
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The topology's arcs as (lon, lat), undoing quantisation and delta encoding, longitudes unwrapped."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(unwrap(points))
    return arcs


def unwrap(points: Sequence[Point]) -> list[Point]:
    """Longitudes made continuous (a step never longer than 180°), so a crossing stays one line."""
    result: list[Point] = []
    for lon, lat in points:
        if result:
            previous = result[-1][0]
            lon += 360 * round((previous - lon) / 360)
        result.append((lon, lat))
    return result


def cut(points: Sequence[Point]) -> list[list[Point]]:
    """An unwrapped ring as pieces inside -180..180: the part beyond the antimeridian moved round."""
    low, high = min(x for x, _ in points), max(x for x, _ in points)
    if low >= -180 and high <= 180:
        return [list(points)]
    edge = 180.0 if high > 180 else -180.0
    sign = 1 if edge > 0 else -1
    inside = clip(points, lambda x: sign * x <= 180, edge)
    beyond = [(x - sign * 360, y) for x, y in clip(points, lambda x: sign * x >= 180, edge)]
    return [piece for piece in (inside, beyond) if len(piece) >= 3]


def clip(points: Sequence[Point], keep: Any, edge: float) -> list[Point]:
    """Sutherland-Hodgman against one vertical line."""
    result: list[Point] = []
    for (px, py), (qx, qy) in zip([points[-1], *points[:-1]], points, strict=True):
        if keep(qx):
            if not keep(px):
                result.append((edge, py + (qy - py) * (edge - px) / (qx - px)))
            result.append((qx, qy))
        elif keep(px):
            result.append((edge, py + (qy - py) * (edge - px) / (qx - px)))
    return result


def simplify(points: Sequence[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative; the two ends are always kept."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        length = math.hypot(bx - ax, by - ay)
        worst, index = 0.0, 0
        for i in range(first + 1, last):
            px, py = points[i]
            if length == 0:
                dist = math.hypot(px - ax, py - ay)
            else:
                dist = abs((bx - ax) * (ay - py) - (ax - px) * (by - ay)) / length
            if dist > worst:
                worst, index = dist, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring(arc_ids: Iterable[int], arcs: Sequence[Sequence[Point]]) -> list[Point]:
    """One closed ring from arc references (``~i`` is arc i reversed)."""
    points: list[Point] = []
    for ref in arc_ids:
        arc = list(arcs[ref]) if ref >= 0 else list(reversed(arcs[~ref]))
        points.extend(arc if not points else arc[1:])
    return points


def _project(rings: Iterable[Sequence[Point]]) -> list[list[Point]]:
    return [[equal_earth(lon, lat) for lon, lat in r] for r in rings]


def area(points: Sequence[Point]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, [*points[1:], points[0]], strict=True))) / 2


def path_data(rings: Iterable[Sequence[Point]]) -> str:
    """Relative path commands at 0.1 px, the shortest text that draws the rings."""
    parts = []
    for points in rings:
        ix = [round(x * 10) for x, _ in points]
        iy = [round(y * 10) for _, y in points]
        cmds = [f"M{_num(ix[0])} {_num(iy[0])}"]
        deltas = [(ix[i] - ix[i - 1], iy[i] - iy[i - 1]) for i in range(1, len(ix))]
        steps = " ".join(f"{_num(dx)} {_num(dy)}" for dx, dy in deltas if dx or dy)
        parts.append(cmds[0] + (f"l{steps}" if steps else "") + "z")
    text = "".join(parts).replace(" -", "-")
    return re.sub(r"(?<![\d.])0\.", ".", text)


def _num(tenths: int) -> str:
    return f"{tenths / 10:g}"


def country_code(geometry: dict[str, Any]) -> str | None:
    numeric = geometry.get("id")
    if numeric is None:
        return NO_ID.get(geometry.get("properties", {}).get("name", ""))
    match = pycountry.countries.get(numeric=numeric)
    return str(match.alpha_2) if match is not None else None


def build(topology: dict[str, Any]) -> str:
    """The SVG text: one path per country (merged when Natural Earth splits one), dots for tiny ones."""
    raw = decode_arcs(topology)
    simple = [simplify(arc, TOLERANCE) for arc in raw]
    shapes: dict[str, list[list[Point]]] = {}
    full: dict[str, list[list[Point]]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = country_code(geometry)
        if code is None or code in LEFT_OUT or geometry.get("arcs") is None:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for refs in polygon:
                shapes.setdefault(code, []).extend(_project(cut(unwrap(ring(refs, simple)))))
                full.setdefault(code, []).extend(_project(cut(unwrap(ring(refs, raw)))))
    xs = [x for rings in full.values() for r in rings for x, _ in r]
    ys = [y for rings in full.values() for r in rings for _, y in r]
    scale, left, top = WIDTH / (max(xs) - min(xs)), min(xs), max(ys)
    for rings in (*shapes.values(), *full.values()):
        rings[:] = [[((x - left) * scale, (top - y) * scale) for x, y in r] for r in rings]
    bottom = (top - min(ys)) * scale
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {math.ceil(bottom):g}">',
        "<!-- Natural Earth 1:50m countries (public domain) via world-atlas 2.0.2; see README.md beside this file -->",
    ]
    for code in sorted(shapes):
        rings = [r for r in shapes[code] if len(r) >= 4 and area(r) >= MIN_RING_AREA]
        total = sum(area(r) for r in full[code])
        if rings:
            lines.append(f'<path id="{code}" d="{path_data(rings)}"/>')
        if total < TINY_AREA or not rings:
            biggest = max(full[code], key=area)
            cx = sum(x for x, _ in biggest) / len(biggest)
            cy = sum(y for _, y in biggest) / len(biggest)
            lines.append(f'<circle class="dot" id="{code}-dot" cx="{cx:.1f}" cy="{cy:.1f}" r="3"/>')
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m monitor.web.geo.build_worldmap COUNTRIES_TOPOJSON OUT_SVG\n")
        return 2
    topology = json.loads(Path(argv[0]).read_text("utf-8"))
    Path(argv[1]).write_text(build(topology), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
