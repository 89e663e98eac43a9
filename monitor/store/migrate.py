"""Schema migrations through Alembic's API: upgrade, current revision, head.

Every command checks that the database is at head (``require_head``). That check does not
import Alembic (a tenth of a second at every start): it reads the ``alembic_version`` table
with plain SQL and compares it with the head found by reading ``revision`` and
``down_revision`` from the migration files (``script_head``). Only when the two differ, or
the files cannot be read that simply, does Alembic itself decide; a test keeps
``script_head`` equal to Alembic's head.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from monitor.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config

#: A checkout's top level, where ``migrations/`` and ``alembic.ini`` stay.
ROOT = Path(__file__).resolve().parents[2]
#: Alembic's settings that ``alembic.ini`` holds for the ``alembic`` command in a checkout.
FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"  # ConfigParser escapes %


@functools.cache
def script_location() -> Path:
    """The migration scripts: the ``monitor.migrations`` package of an installed wheel (the same
    files as the checkout's ``migrations/``, mapped there by pyproject.toml), else the checkout's."""
    try:
        spec = importlib.util.find_spec("monitor.migrations")
    except ModuleNotFoundError:
        spec = None
    for found in (spec.submodule_search_locations or []) if spec is not None else []:
        if (Path(found) / "env.py").is_file():
            return Path(found)
    if (ROOT / "migrations" / "env.py").is_file():
        return ROOT / "migrations"
    raise StoreError("the migration scripts are missing from this installation: reinstall Regionwatch")


#: ``revision = '0001'``, ``down_revision: str | None = None`` and the like, at the start of a line.
_ASSIGNMENT = re.compile(r"^(revision|down_revision|depends_on)\b[^=\n]*=(.*)$", re.MULTILINE)


def alembic_config(url: str) -> Config:
    """Alembic's Config pointing at the project's migrations, for the given database."""
    from alembic.config import Config

    config = Config()  # no alembic.ini: an installed package has none, and its settings are these
    config.set_main_option("script_location", str(script_location()))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("path_separator", "os")
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database to the revision (head by default)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def head(url: str) -> str:
    """The newest revision the code knows, as Alembic computes it."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    if len(heads) != 1:
        raise StoreError(f"migrations have {len(heads)} heads; expected one")
    return heads[0]


def known_revisions(url: str) -> set[str]:
    """Every revision the migration scripts of this Regionwatch define."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()}


def current(engine: Engine) -> str | None:
    """The revision the database is at, None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_head(engine: Engine, url: str) -> None:
    """Refuse to work on a database that is not at head, with the command that fixes it."""
    want = script_head()
    recorded = recorded_revisions(engine)
    if want is not None and recorded == (want,):
        return  # the usual case, decided without importing Alembic
    want = head(url)
    if recorded == (want,):
        return
    if recorded and not set(recorded) <= known_revisions(url):
        raise StoreError(
            f"database is newer than this Regionwatch ({', '.join(recorded)} > {want}): upgrade Regionwatch"
        )
    raise StoreError(
        f"database is at revision {', '.join(recorded) or 'none'}, code needs {want}: run 'regionwatch db upgrade'"
    )


def recorded_revisions(engine: Engine) -> tuple[str, ...]:
    """The rows of Alembic's version table (none when never migrated), read by plain SQL.

    The table is Alembic's default, ``alembic_version``: migrations/env.py does not rename it.
    """
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return ()
        return tuple(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def script_head(versions: Path | None = None) -> str | None:
    """The single head of the migration files, read as text; None whenever that is not clear-cut.

    None (no files, an assignment that is not a literal, a file without a revision, several
    heads, a revision defined twice, a ``depends_on``) leaves the decision to Alembic.
    """
    try:
        files = sorted(p for p in (versions or script_location() / "versions").glob("*.py") if p.name != "__init__.py")
        sources = [path.read_text("utf-8") for path in files]
    except (OSError, UnicodeDecodeError):
        return None
    revisions: set[str] = set()
    parents: set[str] = set()
    for source in sources:
        found: dict[str, object] = {}
        for name, value in _ASSIGNMENT.findall(source):
            try:
                found[name] = ast.literal_eval(value.strip())
            except (ValueError, SyntaxError):
                return None
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or revision in revisions or found.get("depends_on") is not None:
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list) and all(isinstance(d, str) for d in down):
            parents.update(down)
        elif down is not None:
            return None
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None
