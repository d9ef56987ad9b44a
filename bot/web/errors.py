"""Error answers of the App's web surface: JSON bodies that say what is wrong."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import ValidationError

_CLASSES: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    408: web.HTTPRequestTimeout,
    415: web.HTTPUnsupportedMediaType,
    422: web.HTTPUnprocessableEntity,
    429: web.HTTPTooManyRequests,
}


def api_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.HTTPException:
    """An HTTP error with a JSON body that says what is wrong."""
    body = json.dumps({"error": {"code": code, "message": message}})
    if status == 413:
        return web.HTTPRequestEntityTooLarge(
            max_size=0, actual_size=0, text=body, content_type="application/json", headers=headers
        )
    return _CLASSES[status](text=body, content_type="application/json", headers=headers)


def problems(error: ValidationError) -> str:
    """What is wrong with a request, one problem per field (`files.a: …; actor: Field required`)."""
    lines = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"])
        message = "unknown field" if item["type"] == "extra_forbidden" else item["msg"]
        lines.append(f"{where}: {message}" if where else message)
    return "; ".join(lines)
