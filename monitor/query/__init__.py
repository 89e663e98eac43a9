"""Read-only questions about the history, shared by the CLI and the web view."""
