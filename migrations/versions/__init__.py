"""Migration scripts (Alembic reads them by path; the package only ships them)."""
