"""The API's OpenAPI 3.1 document, written out by hand: every path, parameter and row shape."""

from __future__ import annotations

from typing import Any

from monitor.types import ChangeKind

_DATE = {"type": "string", "description": "ISO date or time (2024-07-10, 2024-07-10T12:00Z) or 7d, 3m, 1y ago"}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_CODES = {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


_FORMAT = _query("format", {"type": "string", "enum": ["json", "csv"]}, "json (default) or csv, as --format")
_PROVIDER = _query("provider", {"type": "string"}, "provider slug, e.g. openai")
_PRODUCT = _query("product", {"type": "string"}, "product, e.g. api")
_COUNTRY = _query("country", {"type": "string"}, "ISO code or a name in a known language (HK, Hong Kong, 香港)")

_ROW_FIELDS: dict[str, Any] = {
    "provider": {"type": "string"},
    "product": {"type": "string"},
    "country": {"type": "string"},
    "name": {"type": "string"},
    "valid_from": {"type": "string", "format": "date-time"},
    "valid_to": _TIME,
    "caveats": {"type": "array", "items": {"type": "string"}},
}
_ROW = {
    "type": "object",
    "required": ["provider", "product", "country", "valid_from", "valid_to"],
    "properties": _ROW_FIELDS,
}
_INTERVAL = {
    "type": "object",
    "properties": {
        **_ROW_FIELDS,
        "recorded_at": {"type": "string", "format": "date-time"},
        "closed_at": _TIME,
        "change_id": {"type": ["integer", "null"]},
        "change_title": {"type": ["string", "null"]},
        "snapshot_id": {"type": ["integer", "null"]},
        "closed_by_change_id": {"type": ["integer", "null"]},
        "closed_by_title": {"type": ["string", "null"]},
        "evidence": {"type": ["string", "null"]},
        "ended_by": {"type": ["string", "null"]},
    },
}
_CHANGE_FIELDS: dict[str, Any] = {
    "id": {"type": "integer"},
    "kind": {"type": "string", "enum": [k.value for k in ChangeKind]},
    "source": {"type": ["string", "null"]},
    "provider": {"type": ["string", "null"]},
    "product": {"type": ["string", "null"]},
    "added": _CODES,
    "removed": _CODES,
    "countries": _CODES,
    "action": {"type": ["string", "null"]},
    "effective_date": {"type": ["string", "null"], "format": "date"},
    "effective_precision": {"type": "string", "enum": ["day", "month"], "description": "month: the date is its 1st"},
    "scope": {"type": "string", "enum": ["territory", "ownership"]},
    "detected_at": {"type": "string", "format": "date-time"},
    "severity": {"type": "integer"},
    "correction": {"type": "boolean"},
    "url": {"type": ["string", "null"]},
    "title": {"type": "string"},
}
_CHANGE = {"type": "object", "properties": _CHANGE_FIELDS}
_DETAIL = {
    "type": "object",
    "properties": {
        **_CHANGE_FIELDS,
        "names": {"type": "object", "additionalProperties": {"type": "string"}},
        "diff": {
            "type": "object",
            "properties": {
                "lines": {"type": "string", "description": "unified diff"},
                "words": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [{"type": "integer", "enum": [-1, 0, 1]}, {"type": "string"}],
                    },
                },
                "truncated": {"type": "boolean"},
            },
        },
        "evidence": {"type": "object"},
    },
}
_SOURCE = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "provider": {"type": "string"},
        "product": {"type": ["string", "null"]},
        "kind": {"type": "string"},
        "url": {"type": "string"},
        "enabled": {"type": "boolean"},
        "health": {"type": "string", "enum": ["ok", "stale", "failing", "suspect", "never fetched", "disabled"]},
        "stale": {"type": "boolean", "description": "no successful read within 3 cadences"},
        "every_seconds": {"type": "integer"},
        "last_outcome": {"type": ["string", "null"]},
        "last_fetch_at": _TIME,
        "last_success_at": _TIME,
        "consecutive_failures": {"type": "integer"},
        "failing_since": _TIME,
        "suspect": {"type": "boolean"},
        "suspect_reason": {"type": ["string", "null"]},
        "suspect_since": _TIME,
        "held_change_id": {"type": ["integer", "null"]},
        "held_reason": {"type": ["string", "null"]},
        "last_change_id": {"type": ["integer", "null"]},
        "last_change_at": _TIME,
        "last_change_title": {"type": ["string", "null"]},
    },
}
_ANSWER = {
    "type": "object",
    "properties": {
        "provider": {"type": "string"},
        "product": {"type": "string"},
        "country": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "state": {"type": "string", "enum": ["available", "unavailable", "unlisted", "unwatched"]},
        "since": _TIME,
        "watched_since": _TIME,
        "sentence": {"type": "string"},
        "evidence": {"type": ["object", "null"]},
        "signals": {"type": "array", "items": {"type": "object"}},
    },
}
_ERROR = {
    "description": "a parameter that cannot be read",
    "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}}}}},
}


def _get(summary: str, parameters: list[dict[str, Any]], schema: dict[str, Any], op: str) -> dict[str, Any]:
    responses = {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}, "400": _ERROR}
    if any(p["in"] == "path" for p in parameters):
        responses["404"] = {**_ERROR, "description": "no such change"}
    return {"get": {"operationId": op, "summary": summary, "parameters": parameters, "responses": responses}}


def openapi(server: str) -> dict[str, Any]:
    """The document, with the server it is served from."""
    change_id = {"name": "change_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Regionwatch",
            "version": "1",
            "description": "Read-only: where AI and API providers' APIs may be used, and how that changed. "
            "Every method but GET and HEAD is refused with 405.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/availability": _get(
                "Who served whom at a moment (default now)",
                [_query("as_of", _DATE, "the moment"), _PROVIDER, _PRODUCT, _COUNTRY, _FORMAT],
                {"type": "array", "items": _ROW},
                "availability",
            ),
            "/api/history": _get(
                "Every availability interval with its evidence",
                [_PROVIDER, _PRODUCT, _COUNTRY, _query("since", _DATE, "still true at or after"), _FORMAT],
                {"type": "array", "items": _INTERVAL},
                "history",
            ),
            "/api/changes": _get(
                "Detected changes, newest first",
                [
                    _query("since", _DATE, "detected at or after"),
                    _query("kind", {"type": "string", "enum": [k.value for k in ChangeKind]}, "kind of change"),
                    _PROVIDER,
                    _query("limit", {"type": "integer", "minimum": 1}, "at most this many"),
                    _FORMAT,
                ],
                {"type": "array", "items": _CHANGE},
                "changes",
            ),
            "/api/changes/{change_id}": _get(
                "One change with its set diff, text diff and evidence", [change_id], _DETAIL, "change"
            ),
            "/api/ask": _get(
                "Was a product available in a country at a moment? One answer per provider × product",
                [_PROVIDER, _PRODUCT, {**_COUNTRY, "required": True}, _query("at", _DATE, "the moment")],
                {"type": "array", "items": _ANSWER},
                "ask",
            ),
            "/api/sources": _get(
                "Per source: last outcome, failure streak, suspicion, last change",
                [_PROVIDER, _FORMAT],
                {"type": "array", "items": _SOURCE},
                "sources",
            ),
        },
    }
