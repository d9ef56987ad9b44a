"""The `@toasty` commands people write in replies: ignore a finding, mute or unmute a rule, ask for an explanation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Verb = Literal["ignore", "mute", "unmute", "explain"]
_COMMAND = re.compile(
    r"^[ \t>]*@toasty(?:\[bot\])?[ \t]+(ignore|mute|unmute|explain)\b[ \t]*([a-z][a-z0-9.\-]*)?",
    re.IGNORECASE | re.MULTILINE,
)
MAX_BODY = 65_536


@dataclass(frozen=True, slots=True)
class Command:
    """A verb, and for mute/unmute the rule it names (None: the rule of the comment replied to)."""

    verb: Verb
    rule: str | None = None


def parse_command(body: str | None) -> Command | None:
    """The first `@toasty <verb> [rule]` at the start of a line of a comment, if any."""
    if not body:
        return None
    match = _COMMAND.search(body[:MAX_BODY])
    if match is None:
        return None
    verb = match.group(1).lower()
    rule = match.group(2).lower().rstrip(".") if match.group(2) else None
    return Command(verb, rule)  # type: ignore[arg-type]
