"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.fakegithub import FakeGitHub


# --- fake GitHub (tests/fakegithub) ---------------------------------------------------------------------------------
# Imported lazily so that test modules which do not use it need neither aiohttp nor cryptography.


@pytest.fixture
async def fake_github(request: pytest.FixtureRequest) -> AsyncIterator[FakeGitHub]:
    """A fake GitHub on a free loopback port; teardown fails if anything sent it a request GitHub would refuse.

    For Enterprise Server paths (/api/v3, /api/graphql), parametrize indirectly:
    ``@pytest.mark.parametrize("fake_github", [{"enterprise": True}], indirect=True)``.
    """
    from tests.fakegithub import require_shared, running_fake_github

    require_shared()
    options: dict[str, Any] = dict(getattr(request, "param", None) or {})
    async with running_fake_github(**options) as fake:
        yield fake


# --- end fake GitHub ------------------------------------------------------------------------------------------------
