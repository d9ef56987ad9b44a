"""The one answer to "is this Toasty's own comment?": anyone can paste a marker, so a comment is Toasty's only when
one of Toasty's own accounts wrote it AND its hidden marker parses."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from bot.report.comment import parse_marker


def toasty_marker(comment: Mapping[str, Any], logins: Collection[str]) -> tuple[str, str] | None:
    """(fingerprint, rule) of a comment Toasty wrote; None for anyone else's, or for one of its replies (no marker)."""
    if not written_by(comment, logins):
        return None
    return parse_marker(comment.get("body") or "")


def written_by(comment: Mapping[str, Any], logins: Collection[str]) -> bool:
    """Whether one of the given accounts wrote the comment (for Toasty's replies, which carry no marker)."""
    login = (comment.get("user") or {}).get("login")
    return bool(login) and login in logins
