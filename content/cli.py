"""``quiz content …``: validate, stats, import, export, schema and template.

Problems are printed one per line as ``FILE:LINE:COLUMN: error: MESSAGE`` on standard output (the
format editors and CI logs link to), and ``validate`` adds the warnings of ``content.audit`` as
``FILE:LINE:COLUMN: warning: MESSAGE``; summaries go to standard error. Exit status: 0 when all is
well (warnings too, unless ``--strict``), 1 when the input has problems or a file would be
overwritten, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

import msgspec

from content.audit import audit_pack
from content.errors import OverwriteRefused, PackInvalid, Problem, SpreadsheetInvalid
from content.loader import pack_root, read_pack
from content.schema import SCHEMA_DIR, stale_schemas, write_schemas
from content.stats import pack_stats, render_stats
from content.transfer import export_pack, import_spreadsheet, write_template

_SPREADSHEET_SUFFIXES = (".csv", ".xlsx")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``content`` subcommands to ``parser``."""
    sub = parser.add_subparsers(dest="content_command", metavar="SUBCOMMAND", required=True)

    validate = sub.add_parser(
        "validate",
        help="check packs and print every problem as FILE:LINE:COLUMN: error: MESSAGE",
        description="Check question packs (a pack folder, its pack.yaml, or one question file "
        "of a pack) and print every problem at once, then warnings about fairness and style "
        "(answer positions, long right options, near-duplicates, revealing explanations, forms "
        "of address, quotes and dashes, true/false prefixes). Exit 0 when all are valid, else 1.",
    )
    validate.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    validate.add_argument(
        "--strict", action="store_true", help="fail (exit 1) on warnings too, not only on errors"
    )
    validate.set_defaults(handler=run_validate)

    stats = sub.add_parser(
        "stats", help="count a pack's questions per language, topic, difficulty, type, audience"
    )
    stats.add_argument("path", metavar="PATH", type=Path)
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.set_defaults(handler=run_stats)

    imports = sub.add_parser(
        "import",
        help="convert a spreadsheet (.csv or .xlsx, one row per question) into a pack folder",
        description="Check every row and, when none has a problem, write pack.yaml and "
        "questions/<topic>.yaml into PACK_DIR. Bad rows are reported by row and column.",
    )
    imports.add_argument("file", metavar="FILE", type=Path)
    imports.add_argument("-o", "--output", metavar="PACK_DIR", type=Path, required=True)
    imports.add_argument("--force", action="store_true", help="replace files that exist")
    imports.set_defaults(handler=run_import)

    export = sub.add_parser(
        "export", help="write a pack to a spreadsheet (.xlsx or .csv) in the import layout"
    )
    export.add_argument("pack", metavar="PACK_DIR", type=Path)
    export.add_argument("-o", "--output", metavar="FILE", type=Path, required=True)
    export.add_argument("--force", action="store_true", help="replace FILE if it exists")
    export.set_defaults(handler=run_export)

    schema = sub.add_parser(
        "schema", help="write the JSON Schemas of pack.yaml and question files for editors"
    )
    schema.add_argument("-o", "--output", metavar="DIR", type=Path, default=SCHEMA_DIR)
    schema.add_argument(
        "--check", action="store_true", help="only check that the files are up to date"
    )
    schema.set_defaults(handler=run_schema)

    template = sub.add_parser("template", help="write the empty spreadsheet template")
    template.add_argument("-o", "--output", metavar="FILE", type=Path, required=True)
    template.set_defaults(handler=run_template)


def _print_problems(problems: Iterable[Problem]) -> int:
    count = 0
    for problem in problems:
        print(problem)
        count += 1
    return count


def _problems_of(path: Path) -> tuple[list[Problem], int, list[Problem]]:
    """The problems of the pack at ``path``, its question count and its warnings (only of that
    file, for a question file). Warnings are looked for once the pack has no problem."""
    if not path.exists():
        return [Problem(str(path), 1, 1, "no such file or folder")], 0, []
    if path.is_file() and path.name != "pack.yaml":
        root = path.parent.parent
        if path.parent.name != "questions" or not (root / "pack.yaml").is_file():
            message = "not a pack: give a pack folder, its pack.yaml or a file of its questions/"
            return [Problem(str(path), 1, 1, message)], 0, []
        reading = read_pack(root)
        mine = [p for p in reading.problems if Path(p.file) == path]
        in_file = sum(1 for m in reading.pack.meta.values() if root / m.file == path)
        warnings = [] if reading.problems else audit_pack(reading.pack)
        return mine, in_file, [w for w in warnings if Path(w.file) == path]
    reading = read_pack(pack_root(path))
    warnings = [] if reading.problems else audit_pack(reading.pack)
    return list(reading.problems), len(reading.pack.questions), warnings


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'s' if number != 1 else ''}"


def run_validate(args: argparse.Namespace) -> int:
    """``quiz content validate PATH... [--strict]``."""
    total = warned = 0
    for path in args.paths:
        problems, questions, warnings = _problems_of(path)
        total += _print_problems(problems)
        warned += _print_problems(warnings)
        if not problems:
            note = f", {_count(len(warnings), 'warning')}" if warnings else ""
            print(f"{path}: ok, {questions} questions{note}")
    if total:
        print(f"{_count(total, 'problem')} found", file=sys.stderr)
        return 1
    if warned and args.strict:
        print(f"{_count(warned, 'warning')} found (--strict)", file=sys.stderr)
        return 1
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """``quiz content stats PATH [--json]``: counts of the questions that are valid."""
    reading = read_pack(pack_root(args.path))
    stats = pack_stats(reading.pack)
    if args.json:
        print(json.dumps(msgspec.to_builtins(stats), indent=2, ensure_ascii=False))
    else:
        print(render_stats(stats))
    if reading.problems:
        count = len(reading.problems)
        print(
            f"{count} problem{'s' if count != 1 else ''}: only valid questions were counted; "
            f"run `quiz content validate {args.path}`",
            file=sys.stderr,
        )
        return 1
    return 0


def run_import(args: argparse.Namespace) -> int:
    """``quiz content import FILE -o PACK_DIR``."""
    if args.file.suffix.lower() not in _SPREADSHEET_SUFFIXES:
        print(f"{args.file}: expected a .csv or .xlsx file", file=sys.stderr)
        return 2
    if not args.file.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 1
    try:
        result = import_spreadsheet(args.file, args.output, force=args.force)
    except SpreadsheetInvalid as exc:
        count = _print_problems(exc.problems)
        print(f"{count} problem{'s' if count != 1 else ''}; nothing was written", file=sys.stderr)
        return 1
    except OverwriteRefused as exc:
        print(f"{exc}; nothing was written", file=sys.stderr)
        return 1
    print(f"imported {result.questions} questions into {args.output}")
    for file in result.files:
        print(f"  wrote {file}")
    if result.placeholder:
        print(
            f"  {args.output / 'pack.yaml'} is a placeholder: fill in its title, authors and "
            "licence",
            file=sys.stderr,
        )
    problems = read_pack(args.output).problems
    if problems:
        _print_problems(problems)
        return 1
    return 0


def run_export(args: argparse.Namespace) -> int:
    """``quiz content export PACK_DIR -o FILE``."""
    if args.output.suffix.lower() not in _SPREADSHEET_SUFFIXES:
        print(f"{args.output}: expected a .xlsx or .csv file name", file=sys.stderr)
        return 2
    try:
        count = export_pack(args.pack, args.output, force=args.force)
    except (PackInvalid, SpreadsheetInvalid) as exc:
        total = _print_problems(exc.problems)
        print(f"{total} problem{'s' if total != 1 else ''}; nothing was written", file=sys.stderr)
        return 1
    except OverwriteRefused as exc:
        print(f"{exc}; nothing was written", file=sys.stderr)
        return 1
    print(f"exported {count} questions to {args.output}")
    return 0


def run_schema(args: argparse.Namespace) -> int:
    """``quiz content schema [-o DIR] [--check]``."""
    if args.check:
        stale = stale_schemas(args.output)
        for path in stale:
            print(f"{path}: out of date; run `quiz content schema`")
        return 1 if stale else 0
    for path in write_schemas(args.output):
        print(f"wrote {path}")
    return 0


def run_template(args: argparse.Namespace) -> int:
    """``quiz content template -o FILE``."""
    if args.output.suffix.lower() not in _SPREADSHEET_SUFFIXES:
        print(f"{args.output}: expected a .xlsx or .csv file name", file=sys.stderr)
        return 2
    write_template(args.output)
    print(f"wrote {args.output}")
    return 0
