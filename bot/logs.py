"""Logging: one JSON object per line, carrying the delivery, installation, repository and pull request at hand."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError

_CONTEXT: ContextVar[dict[str, Any] | None] = ContextVar("toasty_log_context", default=None)
QUIET = {
    "aiohttp.access": logging.WARNING,
    "sqlalchemy": logging.WARNING,  # statements with their parameters: token digests, webhook bodies
    "aiosqlite": logging.INFO,  # at DEBUG, every call with its arguments, the same parameters again
    "asyncpg": logging.INFO,
}
"""Libraries whose chatty levels would write what the store holds into the logs, whatever TOASTY_LOG_LEVEL says."""
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add fields (delivery, repository, pull…) to every log line written inside the block."""
    merged = {**(_CONTEXT.get() or {}), **{k: v for k, v in fields.items() if v is not None}}
    token = _CONTEXT.set(merged)
    try:
        yield
    finally:
        _CONTEXT.reset(token)


class JsonFormatter(logging.Formatter):
    """One line of JSON per record: time, level, logger, message, context fields and any `extra`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **(_CONTEXT.get() or {}),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class ContextFilter(logging.Filter):
    """For plain-text logs: append the context fields to the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = _CONTEXT.get()
        if fields:
            record.msg = f"{record.msg} [{' '.join(f'{k}={v}' for k, v in fields.items())}]"
        return True


class MalformedRequests(logging.Filter):
    """aiohttp logs each request it cannot parse at ERROR with a traceback: anyone could fill the logs that way.
    Such a request is already answered 400; it is worth one line, and only at DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError):
            return True
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            return False
        record.msg, record.args = f"{record.getMessage()}: refused ({error.message[:200]!r})", ()
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        record.exc_info, record.exc_text = None, None
        return True


def configure_logging(level: str = "INFO", style: str = "json") -> None:
    """Route every logger to stderr in the chosen style (replacing earlier handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    if style == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name, quiet in QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, root.level))
    server = logging.getLogger("aiohttp.server")
    server.filters[:] = [MalformedRequests()]
    # procrastinate says INFO per job start and end; Toasty logs each delivery's outcome itself.
    logging.getLogger("procrastinate").setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
