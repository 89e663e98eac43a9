"""Availability pages written for the tests: a country list among navigation and noise."""

from __future__ import annotations

FORTY = [
    "Albania",
    "Argentina",
    "Australia",
    "Austria",
    "Bangladesh",
    "Belgium",
    "Brazil",
    "Canada",
    "Chile",
    "Colombia",
    "Denmark",
    "Egypt",
    "Finland",
    "France",
    "Germany",
    "Ghana",
    "Greece",
    "Hong Kong",
    "India",
    "Indonesia",
    "Ireland",
    "Italy",
    "Japan",
    "Kenya",
    "Macao",
    "Mexico",
    "Morocco",
    "Netherlands",
    "New Zealand",
    "Nigeria",
    "Norway",
    "Peru",
    "Philippines",
    "Poland",
    "Portugal",
    "Singapore",
    "South Africa",
    "Spain",
    "Sweden",
    "Türkiye",
]


def page(
    names: list[str],
    *,
    list_class: str = "countries",
    title: str = "Supported countries",
    item_class: str = "",
    nav: tuple[str, ...] = ("Home", "Docs", "Pricing"),
) -> bytes:
    """A realistic availability page: navigation, a script, the list, a footer."""
    items = "\n".join(f'    <li class="{item_class}">{n}</li>' if item_class else f"    <li>{n}</li>" for n in names)
    links = "".join(f'<a href="/{n.lower()}">{n}</a>' for n in nav)
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
<script>window.__BUILD__ = "a1b2c3"; var x = 1;</script></head>
<body><nav>{links}</nav>
<main><h1>{title}</h1><p>You can use the API in the following countries:</p>
  <ul class="{list_class}">
{items}
  </ul></main>
<footer>Copyright 2026 Example Inc.</footer></body></html>
""".encode()


CHALLENGE = b"""<!doctype html><html><head><title>Just a moment...</title></head>
<body><p>Checking your browser before accessing the site. Verify you are human.</p></body></html>"""

REDESIGN = b"""<!doctype html><html><head><title>Supported countries</title></head>
<body><nav><a href="/">Home</a></nav><main><h1>Supported countries</h1>
<div class="grid"><span>Albania</span><span>Argentina</span></div></main></body></html>"""

NAVIGATION = b"""<!doctype html><html><head><title>Supported countries</title></head>
<body><main><ul class="countries"><li>Home</li><li>Docs</li><li>Pricing</li></ul></main></body></html>"""
