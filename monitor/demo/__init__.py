"""``regionwatch demo``: real events replayed offline through the whole pipeline, on loopback."""
