"""Compression of stored raw bodies (zlib: fast, in the standard library)."""

from __future__ import annotations

import zlib

LEVEL = 6


def zip_body(body: bytes) -> bytes:
    return zlib.compress(body, LEVEL)


def unzip(stored: bytes) -> bytes:
    return zlib.decompress(stored)
