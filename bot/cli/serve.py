"""`toasty serve` (the GitHub App) and `toasty migrate` (the database schema, for deployment jobs)."""

from __future__ import annotations

import argparse
import gc
import sys

from aiohttp import web

from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings
from bot.store.db import migrate_blocking

EXIT_CONFIG = 2


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """`serve` options; everything else comes from the environment (see README)."""
    parser.add_argument("--host", help="listen address (default TOASTY_HOST or 0.0.0.0)")
    parser.add_argument("--port", type=int, help="listen port (default TOASTY_PORT or 8080)")


def serve(args: argparse.Namespace) -> int:
    """Apply migrations, then serve webhooks until interrupted."""
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"toasty serve: {error}", file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format)
    from bot.web.app import create_app  # the web stack loads only for the commands that serve

    host = args.host or settings.host
    port = args.port or settings.port
    gc.freeze()  # what imports built lives as long as the process: full collections under load skip walking it
    web.run_app(create_app(settings), host=host, port=port, print=None, access_log=None)
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
