"""POST /webhook: verify, record, acknowledge in milliseconds; the work happens afterwards in the job runner."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from aiohttp import web

from bot.handlers import handles
from bot.jobs.deliveries import pull_request_lock
from bot.store.deliveries import NewDelivery
from bot.web.keys import CONTEXT, RECORDER, RUNNER, SETTINGS

log = logging.getLogger(__name__)
MAX_BODY = 25 * 1024 * 1024
"""GitHub caps payloads at 25 MB (and does not deliver larger ones at all)."""
MAX_DELIVERY_ID = 64


def signature_matches(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether X-Hub-Signature-256 is the HMAC-SHA256 of the raw body with our secret (constant-time)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


async def receive(request: web.Request) -> web.Response:
    """Answer GitHub: 401 bad signature, 400 malformed, 413 too large, 200 ping/ignored/duplicate, 202 accepted."""
    metrics = request.app[CONTEXT].metrics.deliveries
    if request.content_length is not None and request.content_length > MAX_BODY:
        metrics.labels("unknown", "too_large").inc()
        return _answer(413, "payload larger than 25 MB")
    body = await request.read()
    if not signature_matches(request.app[SETTINGS].webhook_secret(), body, request.headers.get("X-Hub-Signature-256")):
        metrics.labels("unknown", "bad_signature").inc()
        log.warning(
            "webhook with a missing or bad signature", extra={"delivery": request.headers.get("X-GitHub-Delivery")}
        )
        return _answer(401, "missing or invalid X-Hub-Signature-256")
    event = request.headers.get("X-GitHub-Event", "")
    delivery_id = request.headers.get("X-GitHub-Delivery", "")
    if not event or not delivery_id or len(delivery_id) > MAX_DELIVERY_ID:
        metrics.labels("unknown", "malformed").inc()
        return _answer(400, "missing X-GitHub-Event or X-GitHub-Delivery")
    data = _json_object(body)
    if data is None:
        metrics.labels(event[:64], "malformed").inc()
        return _answer(400, "body is not a JSON object")
    if event == "ping":
        metrics.labels(event, "ping").inc()
        return _answer(200, "pong", zen=data.get("zen"))
    action = data.get("action") if isinstance(data.get("action"), str) else None
    handled = handles(event, action)
    new = await request.app[RECORDER].record(
        _new_delivery(delivery_id, event, action, data, body=body, handled=handled)
    )
    if not handled:
        metrics.labels(event[:64], "ignored").inc()
        return _answer(200, f"{event}.{action} is not an event Toasty acts on")
    if not new:
        metrics.labels(event, "duplicate").inc()
        return _answer(200, "duplicate delivery: already recorded")
    request.app[RUNNER].accepted(delivery_id)
    metrics.labels(event, "accepted").inc()
    return _answer(202, "accepted")


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _new_delivery(
    delivery_id: str, event: str, action: str | None, data: dict[str, Any], *, body: bytes, handled: bool
) -> NewDelivery:
    installation = data.get("installation") if isinstance(data.get("installation"), dict) else {}
    repository = data.get("repository") if isinstance(data.get("repository"), dict) else {}
    installation_id = installation.get("id") if installation else None
    return NewDelivery(
        id=delivery_id,
        event=event,
        action=action,
        installation_id=installation_id if isinstance(installation_id, int) else None,
        repository=str(repository.get("full_name"))[:256] if repository and repository.get("full_name") else None,
        payload=body.decode("utf-8", errors="replace") if handled else "{}",
        state="queued" if handled else "ignored",
        lock=pull_request_lock(event, data) if handled else None,
    )


def _answer(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"message": message, **{k: v for k, v in extra.items() if v is not None}}, status=status)
