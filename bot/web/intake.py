"""Reading untrusted request bodies: bounded in size, encoding and concurrency before anyone is authenticated."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.web.errors import api_error

LARGE_BODY = 1024 * 1024
"""Bodies above this (or of unknown length) are read a few at a time, so a flood of them cannot exhaust memory."""
LARGE_BODIES_AT_ONCE = 4
READ_CHUNK = 64 * 1024
READ_SECONDS = 30.0
"""A body must arrive within this long: one trickled a byte at a time cannot hold a large-body slot for ever."""
IDENTITY = ("", "identity")

LARGE_BODY_SLOTS = web.AppKey("large_body_slots", asyncio.Semaphore)
"""How many large bodies may be in memory at once (one semaphore per App, of LARGE_BODIES_AT_ONCE)."""
HANDLER_ARGS = {"auto_decompress": False}
"""aiohttp inflates compressed bodies as they arrive, before any handler runs; Toasty takes them as sent, or refuses."""


@web.middleware
async def bounded_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse encoded bodies (415) and make large ones wait their turn, on every route, before the handler runs."""
    if not request.body_exists:
        return await handler(request)
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in IDENTITY:
        raise api_error(415, "unsupported_encoding", "send the body uncompressed (no Content-Encoding)")
    length = request.content_length
    if length is not None and length <= LARGE_BODY:
        return await handler(request)
    async with request.app[LARGE_BODY_SLOTS]:
        return await handler(request)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The body as sent, at most `limit` bytes: a JSON 413 as soon as more arrive (chunked bodies included)."""
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(READ_SECONDS):
            while chunk := await request.content.read(READ_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_large(limit)
                chunks.append(chunk)
    except TimeoutError:
        raise api_error(408, "too_slow", f"the body did not arrive within {READ_SECONDS:.0f} seconds") from None
    return b"".join(chunks)


def utf8(body: bytes) -> str:
    """The body as text; ValueError unless it is UTF-8 (JSON's only encoding on the wire, RFC 8259 §8.1)."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8") from None


def parse_json(body: bytes | str) -> Any:
    """Strict JSON: UTF-8 only, no NaN or Infinity, bounded nesting; ValueError says what is wrong."""
    text = utf8(body) if isinstance(body, bytes) else body
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as error:
        raise ValueError(f"the body is not JSON: {error}") from None
    except RecursionError:
        raise ValueError("the body is nested too deeply") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range for a number")
    return value


def _too_large(limit: int) -> web.HTTPException:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return api_error(413, "too_large", f"the body may be at most {size}")
