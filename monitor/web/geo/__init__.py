"""The world map geometry: a committed SVG built from Natural Earth, and the script that built it."""
