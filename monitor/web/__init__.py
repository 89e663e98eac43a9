"""The read-only web view: server-rendered pages, a JSON API, an Atom feed (regionwatch serve)."""
