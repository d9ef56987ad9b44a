"""The reference material the tests read (GitHub's payloads, schemas, OpenAPI), vendored under tests/reference/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parent / "reference"


def shared_path(*parts: str) -> Path:
    """A path under tests/reference/; a missing file is a broken checkout, so it fails rather than skips."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"vendored reference material {path} is missing (see tests/reference/NOTICE.md)")
    return path


def shared_json(*parts: str) -> Any:
    """A JSON document under tests/reference/."""
    return json.loads(shared_path(*parts).read_text(encoding="utf-8"))
