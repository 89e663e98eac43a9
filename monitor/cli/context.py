"""What every command gets: the one Settings object and lazily opened database handles.

Nothing is imported here that a command might not use: SQLAlchemy and the catalog loader
load when a command first asks for the engine, the sessions or the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.config import Settings
    from monitor.types import Catalog


@dataclass
class AppContext:
    settings: Settings
    debug: bool = False
    _checked: bool = field(default=False, repr=False)

    @cached_property
    def engine(self) -> Engine:
        """The database's engine; a SQLite file that does not exist is an error, never created here
        (``regionwatch init`` and ``db upgrade`` create it)."""
        from monitor.store.engine import make_engine

        return make_engine(self.settings.database_url, create=False)

    def sessions(self) -> sessionmaker[Session]:
        """A session factory on a database known to be at head."""
        from monitor.store.engine import session_factory
        from monitor.store.migrate import require_head

        if not self._checked:
            require_head(self.engine, self.settings.database_url)
            self._checked = True
        return session_factory(self.engine)

    @cached_property
    def catalog(self) -> Catalog:
        from monitor.sources.catalog import load_catalog

        return load_catalog(self.settings.sources)
