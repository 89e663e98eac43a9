"""Start-up: each command imports only what it uses; the shortcuts taken for that stay exact.

regionwatch --help lists the commands from monitor.cli.COMMANDS without importing them, and
require_head decides the usual case without Alembic: these tests keep both equal to the real
thing, and check in a fresh interpreter what a command actually loads.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from alembic.script import ScriptDirectory
from sqlalchemy import text
from typer.testing import CliRunner

from monitor.cli import COMMANDS, app, root
from monitor.errors import StoreError
from monitor.store import migrate
from monitor.store.engine import make_engine
from tests.cli.helpers import run_cli
from tests.dbs import SqliteDatabases

COMMAND_MODULES = {lazy.target.partition(":")[0] for lazy in COMMANDS.values()}

#: Runs main() on the arguments, then reports every module the run imported.
PROBE = """
import sys
from monitor.cli import main
sys.argv = ["regionwatch", *sys.argv[1:]]
try:
    main()
finally:
    sys.stderr.write("\\nmodules: " + " ".join(sorted(sys.modules)) + "\\n")
"""


def _loaded(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The modules a real run of regionwatch ARGS imported, and its stderr without that list."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REGIONWATCH_")}
    clean.update(env or {})
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    stderr, _, modules = result.stderr.rpartition("\nmodules: ")
    assert modules, result.stderr
    return set(modules.split()), stderr


def _eager_app() -> typer.Typer:
    """The root app as it was before lazy loading: every command imported and registered."""
    eager = typer.Typer(name="regionwatch", help=app.info.help, no_args_is_help=True, add_completion=True)
    eager.callback()(root)
    for name, lazy in COMMANDS.items():
        module, _, attribute = lazy.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            eager.add_typer(found, name=name)
        else:
            eager.command(name)(found)
    return eager


def test_listed_help_is_each_commands_own_help() -> None:
    for name, lazy in COMMANDS.items():
        command = lazy.load(name)
        assert command.name == name
        assert command.help == lazy.help, f"COMMANDS[{name!r}] is out of date: copy the command's help"
        assert command.short_help is None and not command.hidden and not command.deprecated
        assert not getattr(command, "rich_help_panel", None)  # a falsy placeholder: the default panel


@pytest.mark.parametrize("args", [["--help"], [], ["crawll"]])
def test_root_help_and_errors_match_eager_registration(args: list[str]) -> None:
    lazy, eager = CliRunner().invoke(app, args), CliRunner().invoke(_eager_app(), args)
    assert (lazy.exit_code, lazy.output) == (eager.exit_code, eager.output)
    if args == ["--help"]:
        assert all(f" {name} " in lazy.output for name in COMMANDS)


def test_every_command_has_its_own_help(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the root callback reads ./regionwatch.toml: none here
    runner = CliRunner()
    eager = _eager_app()
    for name in COMMANDS:
        lazy_help, eager_help = runner.invoke(app, [name, "--help"]), runner.invoke(eager, [name, "--help"])
        assert lazy_help.exit_code == 0, lazy_help.output
        assert lazy_help.output == eager_help.output


def test_help_imports_no_command(tmp_path: Path) -> None:
    modules, _ = _loaded("--help", cwd=tmp_path)
    assert not modules & COMMAND_MODULES
    assert not {m for m in modules if m.split(".")[0] in {"sqlalchemy", "alembic"}}


def test_crawl_help_imports_crawl_only(tmp_path: Path) -> None:
    modules, _ = _loaded("crawl", "--help", cwd=tmp_path)
    assert modules & COMMAND_MODULES == {"monitor.cli.crawl"}
    assert not {m for m in modules if m.split(".")[0] in {"sqlalchemy", "alembic", "scrapy"}}


def test_crawl_on_a_database_at_head_does_without_alembic(tmp_path: Path, sqlite_dbs: SqliteDatabases) -> None:
    env = {"REGIONWATCH_DATABASE_URL": sqlite_dbs.migrated()}
    modules, stderr = _loaded("crawl", "--source", "no-such-source", cwd=tmp_path, env=env)
    assert stderr.strip() == "error: unknown source 'no-such-source' (see 'regionwatch sources list')"
    assert {"monitor.cycle", "monitor.store.migrate", "sqlalchemy.orm"} <= modules  # it got as far as the crawl
    assert modules & COMMAND_MODULES == {"monitor.cli.crawl"}
    assert not {m for m in modules if m.split(".")[0] in {"alembic", "jinja2", "uvicorn", "starlette"}}


def test_script_head_is_alembics_head(tmp_path: Path) -> None:
    assert migrate.script_head() is not None
    assert migrate.script_head() == migrate.head(f"sqlite:///{tmp_path}/x.db")


def _revision(versions: Path, rev: str, down: str, *, extra: str = "") -> None:
    (versions / f"{rev}_step.py").write_text(
        f'"""step {rev}\n\nRevision ID: {rev}\nRevises: {down}\n"""\n'
        f"revision: str = '{rev}'\ndown_revision: str | tuple[str, ...] | None = {down}\n"
        f"branch_labels = None\ndepends_on = None{extra}\n\n\n"
        "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
    )


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        ([("a", "None")], "a"),
        ([("a", "None"), ("b", "'a'"), ("c", "'b'  # the newest")], "c"),
        ([("a", "None"), ("b", "'a'"), ("c", "'a'")], None),  # two heads: Alembic refuses them
        ([("a", "None"), ("b", "'a'"), ("c", "'a'"), ("d", "('b', 'c')")], "d"),  # merged
        ([("a", "None"), ("b", "PARENT")], None),  # not a literal: left to Alembic
        ([("a", "None"), ("b", "'a'", "\ndepends_on = 'a'")], None),
    ],
)
def test_script_head_agrees_with_alembic(tmp_path: Path, layout: list[tuple[str, ...]], expected: str | None) -> None:
    (tmp_path / "versions").mkdir()
    (tmp_path / "script.py.mako").write_text("")
    for rev, down, *extra in layout:
        _revision(tmp_path / "versions", rev, down, extra="".join(extra))
    assert migrate.script_head(tmp_path / "versions") == expected
    if expected is not None:
        assert ScriptDirectory(str(tmp_path)).get_heads() == [expected]


def test_script_head_without_migrations(tmp_path: Path) -> None:
    assert migrate.script_head(tmp_path / "absent") is None
    (tmp_path / "versions").mkdir()
    assert migrate.script_head(tmp_path / "versions") is None


def test_require_head_at_head_asks_no_alembic(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def alembic(*_: object) -> None:
        raise AssertionError("Alembic was asked")

    monkeypatch.setattr(migrate, "current", alembic)
    monkeypatch.setattr(migrate, "head", alembic)
    engine = make_engine(db_url)
    try:
        migrate.require_head(engine, db_url)
    finally:
        engine.dispose()


def test_require_head_refuses_an_empty_database(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        with pytest.raises(StoreError, match=r"^database is at revision none, code needs [^ ]+: run 'regionwatch db"):
            migrate.require_head(engine, empty_db_url)
    finally:
        engine.dispose()


def test_require_head_refuses_a_stale_database(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        with pytest.raises(StoreError, match=f"^database is at revision 0001, code needs {migrate.head(db_url)}: "):
            migrate.require_head(engine, db_url)
        with engine.begin() as conn:  # written by a newer Regionwatch: a revision this code does not know
            conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
        with pytest.raises(StoreError, match=r"^database is newer than this Regionwatch \(0099 > "):
            migrate.require_head(engine, db_url)
    finally:
        engine.dispose()


def test_an_unreachable_database_is_still_one_error(tmp_path: Path) -> None:
    env = {"REGIONWATCH_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"}
    result = run_cli("changes", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: database error: ") and "Traceback" not in result.stderr
    assert result.stderr.rstrip().endswith("check database_url and that the server is up")
