"""Alembic migrations: the top-level migrations/ of a checkout, monitor.migrations in a wheel."""
