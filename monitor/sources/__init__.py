"""The source catalog: loading, validation and the bundled default."""
