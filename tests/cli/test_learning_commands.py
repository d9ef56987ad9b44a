"""`toasty strategy show|export|reset` and `toasty feedback`, against a real SQLite database."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.engine.strategy import parse_strategy
from bot.store import feedback
from bot.store.db import Database
from bot.store.feedback import NewSignal
from bot.store.models import utcnow


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with a repository whose team refused complexity findings up to 15."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'toasty.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)

    async def seed() -> None:
        database = Database(url)
        await database.migrate()
        now = utcnow()
        await feedback.append(
            database,
            [
                NewSignal(
                    repository="octo/demo",
                    rule="complexity.cyclomatic",
                    fingerprint=f"fp{value}",
                    value=float(value),
                    actor="maintainer",
                    association="MEMBER",
                    signal="reaction",
                    content="-1",
                    source="poll",
                    occurred_at=now - timedelta(hours=20 - value),
                    pull_number=7,
                )
                for value in (11, 12, 13, 14, 15)
            ],
        )
        await database.dispose()

    asyncio.run(seed())
    return url


def test_show_explains_what_moved(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["strategy", "show", "octo/demo"]) == 0
    out = capsys.readouterr().out
    assert "complexity.cyclomatic threshold 10 → 15 after 5 👎 / 0 👍" in out
    assert "complexity.cyclomatic" in out.split("RULE")[1]


def test_export_is_a_strategy_document_the_action_can_read(database_url: str, tmp_path: Path) -> None:
    assert main(["strategy", "export", "octo/demo", "--output", str(tmp_path / "strategy.json")]) == 0
    strategy = parse_strategy((tmp_path / "strategy.json").read_text())
    assert strategy.rules["complexity.cyclomatic"].threshold == 15
    assert strategy.learned["complexity.cyclomatic"].down == 5


def test_reset_forgets_and_the_log_keeps_everything(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["strategy", "reset", "octo/demo", "complexity.cyclomatic"]) == 0
    capsys.readouterr()
    main(["strategy", "export", "octo/demo"])
    assert parse_strategy(capsys.readouterr().out).rules["complexity.cyclomatic"].threshold == 10
    main(["feedback", "octo/demo", "--format", "json"])
    log = json.loads(capsys.readouterr().out)
    assert log["total"] == 6
    assert log["entries"][0]["signal"] == "reset"


def test_feedback_is_filterable(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feedback", "octo/demo", "--signal", "reaction", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("5 entries for octo/demo (showing 2)")
    assert main(["feedback", "octo/demo", "--actor", "nobody"]) == 0
    assert capsys.readouterr().out.startswith("0 entries")


def test_repository_must_be_owner_slash_name(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["strategy", "show", "not-a-repo"]) == 2
    assert "OWNER/REPO" in capsys.readouterr().err


def test_show_names_the_reviewers_whose_votes_weigh_less_and_export_does_not(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def seed() -> None:
        database = Database(database_url)
        now = utcnow()
        votes = []
        for index in range(24):
            for actor, content in ((("ana", "ben", "cy")[index % 3], "+1"), ("grumpy", "-1")):
                votes.append(
                    NewSignal(
                        repository="octo/demo",
                        rule="security.pickle",
                        fingerprint=f"pickle{index}",
                        actor=actor,
                        association="COLLABORATOR",
                        signal="reaction",
                        content=content,
                        source="poll",
                        occurred_at=now - timedelta(hours=30 - index),
                    )
                )
        await feedback.append(database, votes)
        await database.dispose()

    asyncio.run(seed())
    assert main(["strategy", "show", "octo/demo"]) == 0
    out = capsys.readouterr().out
    assert "votes from 1 reviewer weigh less" in out
    assert "votes from @grumpy weigh less (×0.00): they disagree with the other reviewers on 100%" in out
    assert main(["strategy", "export", "octo/demo", "--output", str(tmp_path / "strategy.json")]) == 0
    document = (tmp_path / "strategy.json").read_text()
    assert "grumpy" not in document
    assert parse_strategy(document).rules["security.pickle"].delivery == "comment"
