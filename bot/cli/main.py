"""The `toasty` command: every subcommand registered in one place.

The grading commands need only the core (`pip install toasty`); the App's commands import the App, and only when
they run, so `toasty grade` and `toasty --help` start without the web, database and scheduler stacks.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

from bot import __version__
from bot.cli import grade, rules

EXIT_MISSING_APP = 2


@dataclass(frozen=True, slots=True)
class AppCommand:
    """A command of the GitHub App: its module is imported only when the command is chosen."""

    help: str
    module: str
    handler: str
    add_arguments: str | None = None


APP_COMMANDS: dict[str, AppCommand] = {
    "serve": AppCommand("run the GitHub App (webhooks, jobs, health checks)", "serve", "serve", "add_serve_arguments"),
    "worker": AppCommand(
        "process the App's deliveries (PostgreSQL), without the web", "serve", "worker", "add_worker_arguments"
    ),
    "migrate": AppCommand("apply database migrations and exit", "serve", "migrate"),
    "strategy": AppCommand(
        "a repository's learned strategy: show, export, reset", "learning", "run_strategy", "add_strategy_arguments"
    ),
    "feedback": AppCommand(
        "a repository's feedback log, newest first", "learning", "run_feedback", "add_feedback_arguments"
    ),
    "token": AppCommand("tokens for the REST API and the dashboard", "tokens", "run", "add_arguments"),
}


class AppMissing(Exception):
    """An App command ran where only the core is installed."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """All subcommands and their options; an App command's options load only when `argv` names it (all when None)."""
    chosen = _command_in(argv) if argv is not None else None
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

    app_parsers = {name: commands.add_parser(name, help=command.help) for name, command in APP_COMMANDS.items()}
    for name, command in APP_COMMANDS.items():
        if argv is None or name == chosen:
            _add_app_arguments(name, command, app_parsers[name])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run the chosen command; its return value is the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(arguments).parse_args(arguments)
    except AppMissing as error:
        print(f"toasty: {error}", file=sys.stderr)
        return EXIT_MISSING_APP
    status: int = args.handler(args)
    return status


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    return next((word for word in argv if not word.startswith("-")), None)


def _add_app_arguments(name: str, command: AppCommand, parser: argparse.ArgumentParser) -> None:
    module = _app_module(name, command.module)
    if command.add_arguments is not None:
        getattr(module, command.add_arguments)(parser)
    parser.set_defaults(handler=getattr(module, command.handler))


def _app_module(name: str, module: str) -> ModuleType:
    """The App command's module, or a message that says what to install."""
    try:
        return importlib.import_module(f"bot.cli.{module}")
    except ModuleNotFoundError as error:
        missing = (error.name or "").split(".")[0]
        if missing == "bot":
            raise
        raise AppMissing(
            f"`toasty {name}` is a command of the GitHub App, which is not installed here ({missing} is missing): "
            "pip install 'toasty[app]'"
        ) from None


if __name__ == "__main__":
    sys.exit(main())
