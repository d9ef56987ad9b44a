"""Requests as an attacker sends them: raw bytes on a socket (any header bytes), or bodies streamed chunk by chunk."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


async def raw_request(
    url: str, method: str, headers: list[tuple[str, bytes]], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """Send exactly these header bytes (not even UTF-8, if so chosen); the status, headers and body of the answer."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1".encode(), f"Host: {parts.netloc}".encode(), b"Connection: close"]
    lines += [name.encode() + b": " + value for name, value in headers]
    lines.append(f"Content-Length: {len(body)}".encode())
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, content = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    answer_headers = dict(line.split(": ", 1) for line in header_lines if ": " in line)
    return int(status_line.split()[1]), {k.lower(): v for k, v in answer_headers.items()}, content


def json_error(content: bytes) -> dict[str, Any]:
    """The `error` object of a JSON error answer."""
    return dict(json.loads(content)["error"])
