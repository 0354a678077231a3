"""``quiz serve`` and ``quiz db upgrade``: run the server on uvicorn; migrate the database."""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping
from typing import Any

import uvicorn

from server.app import create_app
from server.settings import Settings, SettingsError
from server.store import Store


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """--host, --port and --data-dir (defaults from the settings)."""
    parser.add_argument("--host", help="address to listen on (default: QUIZ_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: QUIZ_PORT or 8000)")
    parser.add_argument(
        "--data-dir", help="folder for the SQLite database (default: QUIZ_DATA_DIR)"
    )


def settings_from(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, with the command line's options on top."""
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    if getattr(args, "data_dir", None):
        from pathlib import Path

        overrides["data_dir"] = Path(args.data_dir)
    return Settings.from_environ(os.environ if environ is None else environ, **overrides)


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    """The uvicorn configuration of ``settings``."""
    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",
        ws_max_size=settings.max_message_bytes,
        ws_per_message_deflate=settings.ws_compression,
        log_level=settings.log_level,
        lifespan="on",
        access_log=False,
        timeout_graceful_shutdown=5,
    )


def configure_serve(parser: argparse.ArgumentParser) -> None:
    """Options of ``quiz serve``."""
    add_server_options(parser)
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Run the server until interrupted."""
    try:
        settings = settings_from(args)
    except SettingsError as error:
        print(f"quiz serve: {error}")
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.Server(uvicorn_config(settings)).run()
    return 0


def configure_db(parser: argparse.ArgumentParser) -> None:
    """Options of ``quiz db``."""
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = sub.add_parser("upgrade", help="create or migrate the database schema")
    upgrade.add_argument("--data-dir", help="folder for the SQLite database")
    upgrade.set_defaults(handler=run_db_upgrade)


def run_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate the configured database to the newest schema."""
    try:
        settings = settings_from(args)
    except SettingsError as error:
        print(f"quiz db: {error}")
        return 2
    store = Store(settings.effective_database_url)
    try:
        store.upgrade()
    finally:
        store.close()
    print("database is up to date")
    return 0
