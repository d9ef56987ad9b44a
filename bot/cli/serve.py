"""`toasty serve` (the GitHub App), `toasty worker` (its deliveries' workers only) and `toasty migrate` (the
database schema, for deployment jobs)."""

from __future__ import annotations

import argparse
import gc
import sys
from typing import TYPE_CHECKING

from aiohttp import web

from bot.logs import configure_logging
from bot.settings import WORKERS_NEED_POSTGRESQL, Settings, SettingsError, load_settings
from bot.store.db import migrate_blocking

EXIT_CONFIG = 2

if TYPE_CHECKING:
    from bot.web.keys import Role


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    """`worker` options (also `serve`'s); everything else comes from the environment (see README)."""
    parser.add_argument("--host", help="listen address (default TOASTY_HOST or 0.0.0.0)")
    parser.add_argument("--port", type=int, help="listen port (default TOASTY_PORT or 8080)")


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """`serve` options: the worker's, and whether it processes deliveries too."""
    add_worker_arguments(parser)
    parser.add_argument(
        "--no-workers",
        action="store_true",
        help="only record and acknowledge; `toasty worker` processes the deliveries (PostgreSQL; TOASTY_SERVE_WORKERS)",
    )


def serve(args: argparse.Namespace) -> int:
    """Apply migrations, then serve webhooks (and process them, unless told otherwise) until interrupted."""
    from bot.web.keys import WEB_AND_WORKERS, WEB_ONLY

    settings = _settings("serve", serve_workers=False if args.no_workers else None)
    if settings is None:
        return EXIT_CONFIG
    return _run(settings, args, WEB_AND_WORKERS if settings.serve_workers else WEB_ONLY)


def worker(args: argparse.Namespace) -> int:
    """Process deliveries, serving only /healthz, /readyz and /metrics, until interrupted (PostgreSQL only)."""
    from bot.web.keys import WORKER

    settings = _settings("worker")
    if settings is None:
        return EXIT_CONFIG
    if not settings.database_url.startswith("postgresql"):
        print(f"toasty worker: {WORKERS_NEED_POSTGRESQL}", file=sys.stderr)
        return EXIT_CONFIG
    return _run(settings, args, WORKER)


def _settings(command: str, **overrides: bool | None) -> Settings | None:
    try:
        settings = load_settings()
        given = {key: value for key, value in overrides.items() if value is not None}
        if given:
            settings = settings.model_copy(update=given)
            if not settings.serve_workers and not settings.database_url.startswith("postgresql"):
                raise SettingsError(WORKERS_NEED_POSTGRESQL)
    except SettingsError as error:
        print(f"toasty {command}: {error}", file=sys.stderr)
        return None
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _run(settings: Settings, args: argparse.Namespace, role: Role) -> int:
    from bot.web.app import create_app  # the web stack loads only for the commands that serve

    host = args.host or settings.host
    port = args.port or settings.port
    gc.freeze()  # what imports built lives as long as the process: full collections under load skip walking it
    web.run_app(create_app(settings, role=role), host=host, port=port, print=None, access_log=None)
    return 0


def migrate(args: argparse.Namespace) -> int:
    """Bring the database schema up to date and exit (the deployment's migration job)."""
    try:
        from bot.settings import Settings

        settings = Settings()
    except Exception as error:  # pydantic reports what is wrong with the environment
        print(f"toasty migrate: {error}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    migrate_blocking(settings.database_url)
    print(f"database at {settings.database_url.split('://', 1)[0]} is up to date")
    return 0
