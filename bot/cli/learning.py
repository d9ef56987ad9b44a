"""`toasty strategy show|export|reset` and `toasty feedback`: what each repository taught Toasty, from the database."""

from __future__ import annotations

import argparse
import getpass
import json
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.cli.database import run_on_database
from bot.engine.rules import format_number
from bot.engine.strategy import Strategy
from bot.learning.explain import changes, evidence_words, reviewer_lines
from bot.learning.service import LearningService
from bot.settings import Settings
from bot.store import feedback
from bot.store.db import Database
from bot.store.feedback import LogQuery, NewSignal

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
EXIT_USAGE = 2


def add_strategy_arguments(strategy: argparse.ArgumentParser) -> None:
    """Options of `strategy`, with its actions."""
    actions = strategy.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="the repository's learned numbers and why they moved")
    show.add_argument("repository", metavar="OWNER/REPO")
    export = actions.add_parser("export", help="the strategy as JSON (for the Action's `strategy` input)")
    export.add_argument("repository", metavar="OWNER/REPO")
    export.add_argument("--output", "-o", help="write to this file instead of stdout")
    reset = actions.add_parser("reset", help="forget what was learned (for one rule, or all); the log keeps it")
    reset.add_argument("repository", metavar="OWNER/REPO")
    reset.add_argument("rule", nargs="?", help="only this rule")


def add_feedback_arguments(log: argparse.ArgumentParser) -> None:
    """Options of `feedback`."""
    log.add_argument("repository", metavar="OWNER/REPO")
    log.add_argument("--rule")
    log.add_argument("--signal", help="reaction, reaction_removed, ignore, mute, unmute, resolved, fixed, reset…")
    log.add_argument("--actor")
    log.add_argument("--since", type=_date, help="YYYY-MM-DD")
    log.add_argument("--limit", type=int, default=50)
    log.add_argument("--format", choices=("text", "json"), default="text")


def run_strategy(args: argparse.Namespace) -> int:
    """Dispatch `toasty strategy ACTION`."""
    handlers: dict[str, Callable[[Database, Settings, argparse.Namespace], Awaitable[int]]] = {
        "show": _show,
        "export": _export,
        "reset": _reset,
    }
    return _with_database(args, handlers[args.action], migrate=args.action == "reset")


def run_feedback(args: argparse.Namespace) -> int:
    """`toasty feedback OWNER/REPO`: the log, newest first."""
    return _with_database(args, _feedback, migrate=False)


def _with_database(
    args: argparse.Namespace,
    action: Callable[[Database, Settings, argparse.Namespace], Awaitable[int]],
    *,
    migrate: bool,
) -> int:
    if not _REPOSITORY.match(args.repository):
        print(f"toasty: {args.repository!r} is not OWNER/REPO", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings()

    return run_on_database(settings, lambda database: action(database, settings, args), migrate=migrate)


async def _strategy(database: Database, settings: Settings, repository: str) -> Strategy:
    service = LearningService(database, settings.learning_parameters())
    try:
        return await service.strategy_for(repository, None)
    finally:
        service.close()


async def _show(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    service = LearningService(database, settings.learning_parameters())
    try:
        strategy = await service.strategy_for(args.repository, None)
        reviewers = reviewer_lines(await service.reviewers(args.repository))
    finally:
        service.close()
    print(
        f"Strategy for {args.repository} (from feedback up to entry {strategy.feedback_upto}, digest {strategy.digest})"
    )
    lines = changes(strategy)
    print("\nLearned:" if lines else "\nNothing learned yet: the defaults apply.")
    for line in lines:
        print(f"  {line.replace('`', '')}")
    if reviewers:
        print("\nReviewers (shown here only, to people with access to Toasty's database):")
    for line in reviewers:
        print(f"  {line}")
    if strategy.learned:
        print(f"\n  {'RULE':<34} {'USEFUL':>6} {'EVIDENCE':>8}  {'MODE':<10} {'THRESHOLD':>9}  VOTES")
    for rule_id, record in sorted(strategy.learned.items()):
        settings_now = strategy.rules[rule_id]
        threshold = format_number(settings_now.threshold) if settings_now.threshold is not None else "–"
        print(
            f"  {rule_id:<34} {record.usefulness:>6.0%} {record.evidence:>8.1f}  {settings_now.delivery:<10} "
            f"{threshold:>9}  {evidence_words(record)}"
        )
    return 0


async def _export(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    document = (await _strategy(database, settings, args.repository)).to_json() + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(document)
    else:
        sys.stdout.write(document)
    return 0


async def _reset(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    await feedback.append(
        database, [NewSignal.reset(args.repository, args.rule, actor=f"cli:{getpass.getuser()}", source="cli")]
    )
    what = f"rule {args.rule}" if args.rule else "every rule"
    print(f"Reset {what} for {args.repository}: learning starts again from here (the log keeps the earlier entries).")
    return 0


async def _feedback(database: Database, settings: Settings, args: argparse.Namespace) -> int:
    query = LogQuery(args.repository, args.rule, args.signal, args.actor, args.since, limit=max(1, args.limit))
    rows, total = await feedback.entries(database, query)
    if args.format == "json":
        entries = [
            {
                column: getattr(row, column)
                for column in (
                    "id",
                    "rule",
                    "fingerprint",
                    "value",
                    "path",
                    "actor",
                    "association",
                    "signal",
                    "content",
                    "source",
                    "pull_number",
                )
            }
            | {"occurred_at": row.occurred_at.isoformat()}
            for row in rows
        ]
        print(json.dumps({"total": total, "entries": entries}, indent=2))
        return 0
    print(
        f"{total} entr{'y' if total == 1 else 'ies'} for {args.repository}"
        + (f" (showing {len(rows)})" if total > len(rows) else "")
    )
    for row in rows:
        value = f" value={format_number(row.value)}" if row.value is not None else ""
        print(
            f"  #{row.id} {row.occurred_at:%Y-%m-%d %H:%M} {row.signal:<16} {row.content or '':<6} {row.rule:<34} "
            f"{row.actor} ({row.association}){value}"
        )
    return 0


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01") from None
