"""POST /webhook: verify, record, acknowledge in milliseconds; the work happens afterwards in the job runner."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from aiohttp import web

from bot.handlers import handles
from bot.jobs.deliveries import pull_request_lock
from bot.web.envelope import BadDelivery, check_headers, new_delivery, validate_payload
from bot.web.intake import parse_json, read_body, utf8
from bot.web.keys import RECORDER, RUNNER, SERVICES, SETTINGS

log = logging.getLogger(__name__)
MAX_BODY = 25 * 1024 * 1024
"""GitHub caps payloads at 25 MB (and does not deliver larger ones at all)."""


def signature_matches(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether X-Hub-Signature-256 is the HMAC-SHA256 of the raw body with our secret (constant-time)."""
    if not header or not header.isascii() or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


async def receive(request: web.Request) -> web.Response:
    """Answer GitHub: 401 bad signature, 400 malformed, 413 too large, 200 ping/ignored/duplicate, 202 accepted."""
    metrics = request.app[SERVICES].metrics.deliveries
    try:
        body = await read_body(request, MAX_BODY)
    except web.HTTPRequestEntityTooLarge:
        metrics.labels("unknown", "too_large").inc()
        raise
    if not signature_matches(request.app[SETTINGS].webhook_secret(), body, request.headers.get("X-Hub-Signature-256")):
        metrics.labels("unknown", "bad_signature").inc()
        log.warning("webhook with a missing or bad signature", extra={"delivery": _printable(request)})
        return _answer(401, "missing or invalid X-Hub-Signature-256")
    try:
        event, delivery_id = check_headers(
            request.headers.get("X-GitHub-Event"), request.headers.get("X-GitHub-Delivery")
        )
        text = utf8(body)
        data = parse_json(text)
        if not isinstance(data, dict):
            raise BadDelivery("the body is not a JSON object")
        payload = validate_payload(data)
    except ValueError as error:  # BadDelivery, or JSON that does not parse
        metrics.labels("unknown", "malformed").inc()
        return _answer(400, f"malformed delivery: {error}")
    if event == "ping":
        metrics.labels(event, "ping").inc()
        zen = data.get("zen")
        return _answer(200, "pong", zen=zen if isinstance(zen, str) else None)
    handled = handles(event, payload.action)
    lock = pull_request_lock(event, data) if handled else None
    new = await request.app[RECORDER].record(
        new_delivery(delivery_id, event, payload, text=text, handled=handled, lock=lock)
    )
    if not handled:
        metrics.labels(event, "ignored").inc()
        return _answer(200, f"{event}.{payload.action} is not an event Toasty acts on")
    if not new:
        metrics.labels(event, "duplicate").inc()
        return _answer(200, "duplicate delivery: already recorded")
    request.app[RUNNER].accepted(delivery_id)
    metrics.labels(event, "accepted").inc()
    return _answer(202, "accepted")


def _printable(request: web.Request) -> str | None:
    """The claimed delivery id, for the log line of a refused request: short and printable, or nothing."""
    claimed = request.headers.get("X-GitHub-Delivery", "")
    return claimed[:64] if claimed.isascii() and claimed.isprintable() and claimed else None


def _answer(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"message": message, **{k: v for k, v in extra.items() if v is not None}}, status=status)
