"""README documents every command and every setting (it fails when one is added undocumented)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main
from pydantic import BaseModel

from monitor.cli import app
from monitor.config import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def _commands(group: Any, prefix: str = "regionwatch") -> list[str]:
    found: list[str] = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if hasattr(command, "commands"):
            found += _commands(command, path)
        else:
            found.append(path)
    return found


def _settings(model: type[BaseModel], prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found += _settings(annotation, f"{prefix}{name}.")
        else:
            dotted = f"{prefix}{name}"
            found.append((dotted, "REGIONWATCH_" + dotted.replace(".", "__").upper()))
    return found


def test_every_command_is_documented() -> None:
    group = typer.main.get_command(app)
    missing = [c for c in _commands(group) if f"`{c}" not in README]
    assert missing == []


def test_every_setting_is_documented() -> None:
    missing = [
        (dotted, env) for dotted, env in _settings(Settings) if f"`{dotted}`" not in README or f"`{env}`" not in README
    ]
    assert missing == []


def test_every_bundled_source_is_listed() -> None:
    from monitor.sources.catalog import load_catalog

    listed = {line.split("|")[1].strip().strip("`") for line in README.splitlines() if line.startswith("| `")}
    missing = [s.id for s in load_catalog(None).sources if s.id not in listed]
    assert missing == [], "add them to README's 'The bundled sources' table"
