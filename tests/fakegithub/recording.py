"""A log of every request the fake answered, so tests can assert what the App asked GitHub and how it was answered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    """One request and the fake's answer."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    json: Any
    operation_id: str | None
    status: int
    response_json: Any = None
    not_modified: bool = False
    invalid: tuple[str, ...] = ()
    fault: str | None = None

    @property
    def is_invalid(self) -> bool:
        """Whether the request broke GitHub's documented contract (schema, path or GraphQL query)."""
        return bool(self.invalid)


@dataclass
class Recorder:
    """The ordered log, plus the fake's own defects found while answering (kept apart from the App's)."""

    entries: list[RecordedRequest] = field(default_factory=list)
    fake_defects: list[str] = field(default_factory=list)
    _acknowledged_invalid: int = 0

    def add(self, entry: RecordedRequest) -> None:
        """Append one exchange."""
        self.entries.append(entry)

    def matching(self, operation_id: str | None = None) -> list[RecordedRequest]:
        """Requests, optionally only those for one operation id (e.g. "checks/update" or "graphql")."""
        if operation_id is None:
            return list(self.entries)
        return [entry for entry in self.entries if entry.operation_id == operation_id]

    def invalid(self) -> list[RecordedRequest]:
        """Requests that broke the documented contract and have not been taken by a test yet."""
        found = [entry for entry in self.entries if entry.is_invalid]
        return found[self._acknowledged_invalid :]

    def take_invalid(self) -> list[RecordedRequest]:
        """Return the invalid requests and mark them expected, so teardown does not fail on them."""
        found = self.invalid()
        self._acknowledged_invalid += len(found)
        return found

    def take_defects(self) -> list[str]:
        """Return and forget the fake's own defects (for the fake's own tests)."""
        found, self.fake_defects = self.fake_defects, []
        return found


def describe(entries: list[RecordedRequest]) -> str:
    """A readable list of requests and why each was refused, for assertion messages."""
    lines = []
    for entry in entries:
        query = "&".join(f"{k}={v}" for k, v in entry.query.items())
        lines.append(f"{entry.method} {entry.path}{'?' + query if query else ''} -> {entry.status}")
        lines.extend(f"    {reason}" for reason in entry.invalid)
    return "\n".join(lines)
