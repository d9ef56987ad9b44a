"""`toasty token create|list|revoke`: the secret is shown once, only its hash is kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli.main import main
from bot.store import tokens
from bot.store.db import Database
from bot.store.models import ApiToken


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'toasty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    return url


def stored(url: str) -> list[ApiToken]:
    async def read() -> list[ApiToken]:
        database = Database(url)
        async with database.session() as session:
            rows = list(await session.scalars(select(ApiToken)))
        await database.dispose()
        return rows

    return asyncio.run(read())


def test_create_list_revoke(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "create", "--name", "grafana", "--scope", "read", "--repo", "octo/*", "--rate", "30"]) == 0
    out, err = capsys.readouterr()
    secret = out.strip()
    assert secret.startswith("toasty_")
    assert "cannot be shown again" in err
    (row,) = stored(database_url)
    assert row.digest == tokens.digest(secret)
    assert secret not in (row.prefix, row.digest, row.name)
    assert (row.operations, row.repositories, row.rate_per_minute) == ("read", "octo/*", 30)
    assert main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "'grafana' read on octo/* (live, never used)" in listing
    assert secret not in listing
    assert main(["token", "revoke", str(row.id)]) == 0
    assert main(["token", "revoke", str(row.id)]) == 1  # already revoked
    assert stored(database_url)[0].revoked_at is not None


def test_unknown_scope_is_a_usage_error(database_url: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["token", "create", "--name", "x", "--scope", "everything"])
    assert caught.value.code == 2


def test_a_rate_below_one_is_a_usage_error(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["token", "create", "--name", "x", "--scope", "read", "--rate", "0"])
    assert caught.value.code == 2
    assert "--rate" in capsys.readouterr().err
