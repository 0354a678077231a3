"""``quiz export`` — a contest's results and the participation report as files, without a server.

``quiz export results CONTEST_ID [--out DIR] [--lang L]`` writes ``<id>-results.xlsx`` and one CSV
per table (``<id>-ranking.csv``, ``-progression``, ``-questions``, ``-players``);
``quiz export participation --from DATE --to DATE [--out DIR]`` writes
``participation-<from>-<to>.xlsx`` and one CSV per table. They are the files the HTTP API serves
(docs/api.md, "Results"): computed by ``game.results`` from the event log in the database, with
no player names, cards or tokens (``server.exports``).
"""

from __future__ import annotations

import argparse
import datetime
from pathlib import Path

from game.results import participation
from server.exports import participation_tables, results_tables, to_csv, to_xlsx
from server.results import load_participation, load_results
from server.serve import data_dir_setting, open_database, settings_from
from server.settings import SettingsError
from server.store import Store


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``export`` subcommands to ``parser``."""
    sub = parser.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    results = sub.add_parser("results", help="a contest's results: XLSX and CSV files")
    results.add_argument("contest_id", help="the contest's id")
    results.add_argument(
        "--lang", choices=("lv", "lt", "en"), default="en", help="texts of the files"
    )
    report = sub.add_parser(
        "participation", help="contests, teams and players by library, city and generation"
    )
    report.add_argument("--from", dest="date_from", required=True, help="first day, 2026-01-01")
    report.add_argument("--to", dest="date_to", required=True, help="last day, 2026-12-31")
    for command in (results, report):
        command.add_argument("--out", default=".", help="folder for the files (default: here)")
        command.add_argument("--data-dir", help="folder of the SQLite database (QUIZ_DATA_DIR)")
    results.set_defaults(handler=run_results)
    report.set_defaults(handler=run_participation)


def _store(args: argparse.Namespace) -> Store | None:
    try:
        settings = settings_from(args)
    except SettingsError as error:
        print(f"quiz export: {error}")
        return None
    open_database(settings, data_dir_setting(args))  # a StartupError is one line (server.cli)
    return Store(settings.effective_database_url)


def _write(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
        print(folder / name)


def run_results(args: argparse.Namespace) -> int:
    """Handle ``quiz export results``; return the exit status."""
    store = _store(args)
    if store is None:
        return 2
    try:
        results = load_results(store, args.contest_id)
    finally:
        store.close()
    if results is None:
        print(f"quiz export: no contest {args.contest_id!r}")
        return 1
    tables = results_tables(results, args.lang)
    files = {f"{args.contest_id}-{name}.csv": to_csv(table) for name, table in tables.items()}
    files[f"{args.contest_id}-results.xlsx"] = to_xlsx(tables, chart_sheet="progression")
    _write(Path(args.out), files)
    return 0


def run_participation(args: argparse.Namespace) -> int:
    """Handle ``quiz export participation``; return the exit status."""
    try:
        start = datetime.date.fromisoformat(args.date_from).isoformat()
        end = datetime.date.fromisoformat(args.date_to).isoformat()
    except ValueError:
        print("quiz export: --from and --to must be dates like 2026-05-31")
        return 2
    store = _store(args)
    if store is None:
        return 2
    try:
        report = participation(load_participation(store, start, end), start, end)
    finally:
        store.close()
    tables = participation_tables(report)
    files = {f"participation-{start}-{end}-{name}.csv": to_csv(t) for name, t in tables.items()}
    files[f"participation-{start}-{end}.xlsx"] = to_xlsx(tables)
    _write(Path(args.out), files)
    print(f"{len(report.contests)} contests, {report.teams} teams, {report.players} players")
    return 0
