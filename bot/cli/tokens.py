"""`toasty token create|list|revoke`: tokens for the REST API and the dashboard."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from bot.cli.database import run_on_database
from bot.settings import Settings
from bot.store import tokens
from bot.store.db import Database
from bot.store.tokens import OPERATIONS, NewToken


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `token` command's actions."""
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token (the secret is printed once)")
    create.add_argument("--name", required=True, help="what the token is for")
    create.add_argument(
        "--scope",
        action="append",
        choices=OPERATIONS,
        required=True,
        help="an operation the token may perform (repeat for several): read, grade, feedback, admin",
    )
    create.add_argument(
        "--repo",
        action="append",
        default=[],
        metavar="OWNER/REPO",
        help="limit to repositories (patterns like octo/*; repeatable; default all)",
    )
    create.add_argument(
        "--installation",
        action="append",
        type=int,
        default=[],
        metavar="ID",
        help="limit to installations (repeatable; default all)",
    )
    create.add_argument("--rate", type=_positive, default=120, help="requests per minute (default 120)")
    actions.add_parser("list", help="list tokens (never their secrets)")
    revoke = actions.add_parser("revoke", help="revoke tokens by id")
    revoke.add_argument("ids", nargs="+", type=int)


def _positive(text: str) -> int:
    """A whole number of at least 1 (argparse turns the ValueError into a usage error naming the option)."""
    number = int(text)
    if number < 1:
        raise ValueError(text)
    return number


def run(args: argparse.Namespace) -> int:
    """Dispatch `toasty token ACTION`."""
    handlers: dict[str, Callable[[Database, argparse.Namespace], Awaitable[int]]] = {
        "create": _create,
        "list": _list,
        "revoke": _revoke,
    }
    settings = Settings()

    return run_on_database(
        settings, lambda database: handlers[args.action](database, args), migrate=args.action != "list"
    )


async def _create(database: Database, args: argparse.Namespace) -> int:
    spec = NewToken(
        name=args.name,
        operations=tuple(args.scope),
        repositories=tuple(args.repo) or ("*",),
        installations=tuple(args.installation),
        rate_per_minute=args.rate,
    )
    secret, row = await tokens.create(database, spec)
    print(secret)
    print(
        f"Token #{row.id} '{row.name}': {row.operations} on {row.repositories}"
        + (f", installations {row.installations}" if row.installations else "")
        + ". Keep it now: it cannot be shown again.",
        file=sys.stderr,
    )
    return 0


async def _list(database: Database, args: argparse.Namespace) -> int:
    for row in await tokens.listing(database):
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "live"
        used = f"used {row.last_used_at:%Y-%m-%d %H:%M}" if row.last_used_at else "never used"
        print(f"#{row.id} {row.prefix}… {row.name!r} {row.operations} on {row.repositories} ({state}, {used})")
    return 0


async def _revoke(database: Database, args: argparse.Namespace) -> int:
    count = await tokens.revoke(database, args.ids)
    print(f"revoked {count} token(s)")
    return 0 if count else 1
