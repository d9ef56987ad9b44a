"""The `toasty` command: every subcommand registered in one place."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import grade, learning, rules, serve, tokens


def build_parser() -> argparse.ArgumentParser:
    """All subcommands and their options."""
    parser = argparse.ArgumentParser(
        prog="toasty", description="Grade the code a change touches and say what got worse, and why."
    )
    parser.add_argument("--version", action="version", version=f"toasty {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    grade_parser = commands.add_parser("grade", help="grade files, directories or the working tree's change")
    grade.add_arguments(grade_parser)
    grade_parser.set_defaults(handler=grade.run)

    rules_parser = commands.add_parser("rules", help="list the rules with their ids, dimensions and defaults")
    rules.add_arguments(rules_parser)
    rules_parser.set_defaults(handler=rules.run)

    serve_parser = commands.add_parser("serve", help="run the GitHub App (webhooks, jobs, health checks)")
    serve.add_serve_arguments(serve_parser)
    serve.add_serve_only_arguments(serve_parser)
    serve_parser.set_defaults(handler=serve.serve)

    worker_parser = commands.add_parser("worker", help="process the App's deliveries (PostgreSQL), without the web")
    serve.add_serve_arguments(worker_parser)
    worker_parser.set_defaults(handler=serve.worker)

    migrate_parser = commands.add_parser("migrate", help="apply database migrations and exit")
    migrate_parser.set_defaults(handler=serve.migrate)

    strategy_parser = commands.add_parser("strategy", help="a repository's learned strategy: show, export, reset")
    feedback_parser = commands.add_parser("feedback", help="a repository's feedback log, newest first")
    learning.add_arguments(strategy_parser, feedback_parser)
    strategy_parser.set_defaults(handler=learning.run_strategy)
    feedback_parser.set_defaults(handler=learning.run_feedback)

    token_parser = commands.add_parser("token", help="tokens for the REST API and the dashboard")
    tokens.add_arguments(token_parser)
    token_parser.set_defaults(handler=tokens.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command; its return value is the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.handler(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
