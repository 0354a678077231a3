"""``quiz serve`` and ``quiz db upgrade``: run the server on uvicorn; migrate the database.

Before uvicorn starts, ``open_database`` opens and migrates the configured database once, so that
a data folder that is a file or cannot be written, a database URL that cannot be parsed or
reached, or a missing driver stops the command with one line naming the setting (or option) and
the path or URL at fault (``StartupError``, printed by ``server.cli``) instead of a traceback
from the application's start.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uvicorn
from alembic.util import CommandError

from server.app import create_app
from server.settings import Settings, SettingsError, StartupError
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


def data_dir_setting(args: argparse.Namespace) -> str:
    """How the user named the data folder: the ``--data-dir`` option or ``QUIZ_DATA_DIR``."""
    return "--data-dir" if getattr(args, "data_dir", None) else "QUIZ_DATA_DIR"


def check_folder(folder: Path, setting: str, purpose: str = "") -> None:
    """Make sure ``folder`` exists (creating it) and a file can be written in it.

    Args:
        folder: the folder to check.
        setting: the setting or option that named it, for the message.
        purpose: what the folder is for, appended to the folder in the message.

    Raises:
        StartupError: the folder is a file, cannot be created or cannot be written.
    """
    if folder.exists() and not folder.is_dir():
        raise StartupError(f"{setting}: {folder} is a file, not a folder{purpose}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise StartupError(
            f"{setting}: cannot create the folder {folder}{purpose}: part of its path is a file"
        ) from None
    except OSError as error:
        raise StartupError(
            f"{setting}: cannot create the folder {folder}{purpose}: {error.strerror}"
        ) from None
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".quiz-write-check-"):
            pass
    except OSError as error:
        raise StartupError(
            f"{setting}: cannot write in the folder {folder}{purpose}: {error.strerror}"
        ) from None


def open_database(settings: Settings, data_dir_setting: str = "QUIZ_DATA_DIR") -> None:
    """Open the configured database and migrate it to the newest schema, before serving.

    Args:
        settings: the server's settings.
        data_dir_setting: how the user named the data folder (for the message).

    Raises:
        StartupError: one line naming the setting and the path or URL at fault.
    """
    if settings.database_url:
        setting = "QUIZ_DATABASE_URL"
        try:
            url = sa.engine.make_url(settings.database_url)
        except sa.exc.ArgumentError:  # the value is not echoed: it may hold a password
            raise StartupError(
                f"{setting} is not a database URL (for example "
                "postgresql+psycopg://user:password@host:5432/quiz)"
            ) from None
        shown = url.render_as_string(hide_password=True)
        sqlite_file = url.database if url.get_backend_name() == "sqlite" else None
        if sqlite_file and sqlite_file != ":memory:":
            shown = sqlite_file
            folder = Path(sqlite_file).parent
            check_folder(folder, setting, f" (the folder of the SQLite database {sqlite_file})")
    else:
        setting = data_dir_setting
        check_folder(settings.data_dir, setting)
        shown = sqlite_file = str(settings.data_dir / "quiz.sqlite3")
    try:
        store = Store(settings.effective_database_url)
    except (sa.exc.NoSuchModuleError, ImportError) as error:
        raise StartupError(f"{setting}: no database driver for {shown}: {error}") from None
    except sa.exc.ArgumentError as error:
        raise StartupError(f"{setting}: cannot use {shown}: {error}") from None
    except OSError as error:
        raise StartupError(f"{setting}: cannot open {shown}: {error.strerror}") from None
    what = f"open the SQLite database {shown}" if sqlite_file else f"reach the database {shown}"
    try:
        store.upgrade()
    except sa.exc.DBAPIError as error:
        raise StartupError(
            f"{setting}: cannot {what}: {_first_line(error.orig or error)}"
        ) from None
    except (sa.exc.SQLAlchemyError, CommandError, OSError) as error:
        raise StartupError(f"{setting}: cannot migrate {shown}: {_first_line(error)}") from None
    finally:
        store.close()


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


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
    open_database(settings, data_dir_setting(args))  # a StartupError is one line (server.cli)
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
    open_database(settings, data_dir_setting(args))  # a StartupError is one line (server.cli)
    print("database is up to date")
    return 0
