"""Where the fake finds GitHub's reference material (OpenAPI, webhook examples), via the project's tests/shared.py."""

from __future__ import annotations

from pathlib import Path

from tests.shared import SHARED, shared_path


def github_dir() -> Path:
    """The GitHub part of ../shared/: OpenAPI descriptions, webhook examples and schemas, recorded fixtures."""
    return SHARED / "github"


def shared_available() -> bool:
    """Whether the OpenAPI description the fake validates against is present."""
    return (github_dir() / "openapi" / "api.github.com.json").is_file()


def require_shared() -> Path:
    """Skip the calling test, naming what is missing, when the reference material is absent."""
    shared_path("github", "openapi", "api.github.com.json")
    return github_dir()
