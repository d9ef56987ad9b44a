"""The schema the migrations build equals the models; settings refuse what cannot work, and say why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.settings import Settings, SettingsError, load_settings
from bot.store import db
from bot.store.db import Database, toasty_owns
from bot.store.models import Base


async def test_migrations_build_exactly_the_models(database_url: str) -> None:
    database = Database(database_url)
    try:
        await database.migrate()
        async with database.engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": toasty_owns}), Base.metadata
                )
            )
        assert differences == []
        assert await database.is_ready() == (True, "ok")
        await database.migrate()  # applying them twice changes nothing
    finally:
        await database.dispose()


async def test_readiness_says_when_migrations_are_missing(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        ready, reason = await database.is_ready()
        assert not ready
        assert "migrations not applied" in reason
    finally:
        await database.dispose()


def test_refuses_to_start_without_a_webhook_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("GITHUB_WEBHOOK_SECRET", raising=False)
    with pytest.raises(SettingsError, match="GITHUB_WEBHOOK_SECRET is not set"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("GITHUB_WEBHOOK_SECRET", "", "GITHUB_WEBHOOK_SECRET is empty"),
        ("GITHUB_WEBHOOK_SECRET", "   ", "GITHUB_WEBHOOK_SECRET is empty"),
        ("TOASTY_SESSION_SECRET", "", "at least 32 characters"),
        ("TOASTY_SESSION_SECRET", "short", "at least 32 characters"),
    ],
)
def test_refuses_secrets_anyone_could_guess(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str, complaint: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WEBHOOK_SECRET", "a-long-enough-webhook-secret")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=complaint):
        load_settings()


def test_serve_command_explains_the_missing_secret(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "GITHUB_WEBHOOK_SECRET is not set" in done.stderr
    assert "secrets.token_hex" in done.stderr  # says how to make one


def test_enterprise_server_urls_and_database_drivers() -> None:
    settings = Settings(
        _env_file=None, GITHUB_API_URL="https://ghe.example.com/api/v3/", DATABASE_URL="postgresql://u@db/toasty"
    )  # type: ignore[call-arg]
    assert settings.github_api_url == "https://ghe.example.com/api/v3"
    assert settings.graphql_url == "https://ghe.example.com/api/graphql"
    assert settings.database_url == "postgresql+asyncpg://u@db/toasty"
    assert Settings(_env_file=None).graphql_url == "https://api.github.com/graphql"  # type: ignore[call-arg]


def test_private_key_from_a_file_or_an_escaped_variable(tmp_path: Path) -> None:
    pem = "-----BEGIN " + "RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n"
    (tmp_path / "key.pem").write_text(pem)
    from_file = Settings(_env_file=None, GITHUB_APP_ID="1", GITHUB_PRIVATE_KEY_PATH=str(tmp_path / "key.pem"))  # type: ignore[call-arg]
    escaped = Settings(_env_file=None, GITHUB_APP_ID="1", GITHUB_PRIVATE_KEY=pem.replace("\n", "\\n"))  # type: ignore[call-arg]
    assert from_file.private_key() == escaped.private_key() == pem
    assert "abc" not in repr(escaped)  # the key never prints
    assert escaped.describe()["private_key"] == "set"


def test_settings_never_print_secrets() -> None:
    settings = Settings(_env_file=None, GITHUB_WEBHOOK_SECRET="hunter2-very-secret")  # type: ignore[call-arg]
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.describe())


def test_links_to_pull_requests_point_at_github_or_the_enterprise_server() -> None:
    assert Settings(_env_file=None).web_url == "https://github.com"  # type: ignore[call-arg]
    ghes = Settings(_env_file=None, GITHUB_API_URL="https://ghe.example.com/api/v3")  # type: ignore[call-arg]
    assert ghes.web_url == "https://ghe.example.com"


async def test_a_connection_dropped_while_it_rested_is_replaced(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pooled connections are not pinged on every use, but one that rested is, and a dead one is not handed out."""
    if database_url.startswith("sqlite"):
        pytest.skip("a SQLite file has no server to drop the connection")
    database = Database(database_url)
    try:
        async with database.autocommit() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        async with database.autocommit() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) == first  # in steady use: the same one
        admin = await asyncpg.connect(database_url.replace("+asyncpg", "", 1))
        await admin.execute("SELECT pg_terminate_backend($1)", first)
        await admin.close()
        monkeypatch.setattr(db, "IDLE_BEFORE_PING", 0.0)
        async with database.autocommit() as connection:
            assert await connection.scalar(text("SELECT pg_backend_pid()")) != first
    finally:
        await database.dispose()
