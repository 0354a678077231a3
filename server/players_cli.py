"""``quiz players`` — players' personal data: ``quiz players purge [--days N] [--data-dir D]``.

``purge`` deletes the personal data of every player whose contest ended more than
``QUIZ_PLAYER_RETENTION_DAYS`` days ago, or never ended and has been idle that long (``--days``
overrides it), as the server does every hour
(``server.registration.retention_loop``; docs/settings.md, "Retention"), and prints how many
players of how many contests it erased. It needs the database only, not a running server.
"""

from __future__ import annotations

import argparse
import time

from server.registration_store import RegistrationStore, cutoffs
from server.serve import data_dir_setting, open_database, settings_from
from server.settings import SettingsError
from server.store import Store


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``players`` subcommands to ``parser``."""
    sub = parser.add_subparsers(dest="players_command", metavar="SUBCOMMAND", required=True)
    purge = sub.add_parser(
        "purge",
        help="delete the personal data of players whose contest ended past retention",
        description="Delete the personal data (name, card hash, tablet code) of every player "
        "whose contest ended more than QUIZ_PLAYER_RETENTION_DAYS days ago, or never ended and "
        "has been idle that long (no change, and not due to start later); team, library and "
        "generation stay for participation counts.",
    )
    purge.add_argument(
        "--days", type=int, help="retention in days (default: QUIZ_PLAYER_RETENTION_DAYS)"
    )
    purge.add_argument("--data-dir", help="folder of the SQLite database (default: QUIZ_DATA_DIR)")
    purge.set_defaults(handler=run_purge)


def run_purge(args: argparse.Namespace) -> int:
    """Handle ``quiz players purge``; return the exit status."""
    try:
        settings = settings_from(args)
    except SettingsError as error:
        print(f"quiz players: {error}")
        return 2
    days = settings.player_retention_days if args.days is None else args.days
    if days < 0:
        print("quiz players: --days must be 0 or more")
        return 2
    open_database(settings, data_dir_setting(args))  # a StartupError is one line (server.cli)
    store = Store(settings.effective_database_url)
    try:
        erased = RegistrationStore(store).purge(*cutoffs(time.time(), days))
    finally:
        store.close()
    players = sum(len(ids) for ids in erased.values())
    print(f"erased the personal data of {players} players of {len(erased)} contests")
    return 0
