"""Where the fake finds GitHub's reference material (OpenAPI, webhook examples), vendored under tests/reference/."""

from __future__ import annotations

from pathlib import Path

from tests.shared import REFERENCE, shared_path


def github_dir() -> Path:
    """The GitHub part of the reference material: OpenAPI descriptions, webhook examples and schemas."""
    return REFERENCE / "github"


def require_shared() -> Path:
    """The GitHub reference folder, failing clearly when the checkout lacks it."""
    shared_path("github", "openapi", "api.github.com.json")
    return github_dir()
