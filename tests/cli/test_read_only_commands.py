"""Commands that only read (`strategy show|export`, `feedback`, `token list`) never create or migrate the database:
they say what to run instead."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.store.db import Database

READ_ONLY = [
    ["strategy", "show", "octo/demo"],
    ["strategy", "export", "octo/demo"],
    ["feedback", "octo/demo"],
    ["token", "list"],
]


@pytest.fixture
def database_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "toasty.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.chdir(tmp_path)
    return path


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_read_only_command_leaves_a_missing_database_missing(
    command: list[str], database_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command) == 1
    err = capsys.readouterr().err
    assert f"no database at {database_path}; run `toasty migrate` first" in err
    assert "Traceback" not in err
    assert not database_path.exists()


@pytest.mark.parametrize("command", READ_ONLY, ids=" ".join)
def test_a_read_only_command_does_not_migrate_an_empty_database(
    command: list[str], database_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database_path.touch()
    assert main(command) == 1
    assert "migrations not applied (at none" in capsys.readouterr().err
    assert _tables(database_path) == []
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{database_path}"))
    assert main(command) == 0


def test_a_command_that_writes_still_brings_the_schema_up(
    database_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["strategy", "reset", "octo/demo"]) == 0
    assert "Reset every rule for octo/demo" in capsys.readouterr().out
    assert main(["feedback", "octo/demo", "--format", "json"]) == 0
    assert '"signal": "reset"' in capsys.readouterr().out


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.migrate()
    finally:
        await database.dispose()


def _tables(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
