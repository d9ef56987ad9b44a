"""Access to ../shared/ (GitHub's payloads, schemas, OpenAPI); tests that need it skip clearly when it is absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/, or a skip saying what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material {path} is absent (expected the shared/ folder beside the project)")
    return path


def shared_json(*parts: str) -> Any:
    """A JSON document under ../shared/."""
    return json.loads(shared_path(*parts).read_text(encoding="utf-8"))
