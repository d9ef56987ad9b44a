"""The words of an inline review comment, with the hidden marker that lets Toasty recognise its own comments."""

from __future__ import annotations

import re

from bot.engine.models import Finding
from bot.engine.rules import format_number
from bot.report.levels import SEVERITY_ICON

MARKER = "<!-- toasty:fingerprint={fingerprint} rule={rule} -->"
_MARKER_PATTERN = re.compile(r"<!-- toasty:fingerprint=([0-9a-f]{8,64}) rule=([a-z0-9.\-]+) -->")


def render_comment(finding: Finding, exploring: bool = False) -> str:
    """Title, explanation, how to react, and the marker (invisible on GitHub)."""
    question = ""
    if exploring and finding.delivery != "probe":
        question = (
            "*Toasty usually keeps quiet about this rule here. Is this one worth flagging? "
            "👍 brings such comments back, 👎 keeps them quiet.*\n\n"
        )
    return (
        f"{SEVERITY_ICON[finding.severity]} **{finding.title}**\n\n"
        f"{question}{finding.message}\n\n"
        f"<sub>`{finding.rule}` · 👍 if this helped, 👎 if not: Toasty learns what this repository cares about. "
        f"Reply `@toasty ignore` to drop this finding, `@toasty mute {finding.rule}` to stop this rule here, "
        f"`@toasty explain` for more.</sub>\n" + MARKER.format(fingerprint=finding.fingerprint, rule=finding.rule)
    )


def parse_marker(body: str) -> tuple[str, str] | None:
    """(fingerprint, rule) from a comment Toasty wrote, or None for anyone else's comment."""
    match = _MARKER_PATTERN.search(body or "")
    return (match.group(1), match.group(2)) if match else None


CHECK_RUN_REST = "annotations on the check run"
"""Where the App's findings that got no comment are (the Action names its own places)."""


def render_review_body(grade: str, score: float, comments: int, findings: int, *, elsewhere: str) -> str:
    """The review's own text: what this push is worth, how many comments it carries, and where the rest is."""
    rest = findings - comments
    more = f" The other {rest} {'is' if rest == 1 else 'are'} {elsewhere}." if rest > 0 else ""
    return (
        f"**Toasty grade: {grade} ({format_number(score)}/100).** "
        f"{comments} comment{'s' * (comments != 1)} on what this push made worse.{more}"
    )
