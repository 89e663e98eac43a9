"""The house in order: no package of monitor/ imports another that imports it back, and the pure
stages (extract/, detect/) and the store never reach for the network, notify/ or the CLI."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {p.name for p in (ROOT / "monitor").iterdir() if (p / "__init__.py").is_file()} | {"spiders"}


def _imports() -> dict[str, set[str]]:
    """package -> the packages of monitor/ (and spiders/) its modules import."""
    found: defaultdict[str, set[str]] = defaultdict(set)
    for top in ("monitor", "spiders"):
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            package = "spiders" if top == "spiders" else (parts[1] if len(parts) > 2 else "")
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                names = (
                    [node.module]
                    if isinstance(node, ast.ImportFrom) and node.module
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                for name in names:
                    bits = name.split(".")
                    target = (
                        "spiders"
                        if bits[0] == "spiders"
                        else bits[1]
                        if bits[0] == "monitor" and len(bits) > 1
                        else None
                    )
                    if target in PACKAGES and package in PACKAGES and target != package:
                        found[package].add(target)
    return found


def test_no_package_imports_one_that_imports_it_back() -> None:
    imports = _imports()
    cycles = sorted((a, b) for a in imports for b in imports[a] if a < b and a in imports.get(b, set()))
    assert cycles == []


def test_pure_stages_and_the_store_stay_in_their_lane() -> None:
    imports = _imports()
    assert imports["extract"] <= set(), imports["extract"]
    assert imports["detect"] <= {"extract"}, imports["detect"]
    assert imports["store"] <= {"detect"}, imports["store"]  # the decision records it applies, nothing else
