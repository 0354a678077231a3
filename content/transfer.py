"""Import a spreadsheet into a pack folder, export a pack to a spreadsheet, write the template.

Theory of operation
-------------------
Import is all or nothing. ``read_spreadsheet`` checks every row (the same checker and rules as YAML
files, positions being rows and columns) and raises ``SpreadsheetInvalid`` listing every bad row;
only a spreadsheet without problems is written. The questions go to ``questions/<topic>.yaml`` in
row order; ``pack.yaml`` comes from the workbook's ``pack`` sheet, or the folder's own is kept, or
a placeholder is written. Files that exist are replaced only with ``force``; every file is written
to a temporary name first and then renamed, so a crash leaves old or new files, never half of one.

Export loads a valid pack and writes one row per question in pack order. Import then export then
import gives the same pack: the YAML written by import is a pure function of the rows.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import yaml

from content.checker import check
from content.errors import OverwriteRefused, Problem, SpreadsheetInvalid
from content.loader import (
    DEFAULT_LANGUAGES,
    check_metadata,
    load_pack,
    read_metadata,
    read_pack,
    to_entry,
)
from content.located import Position
from content.model import QuestionEntry
from content.rules import check_entry
from content.spreadsheet import RowReader, columns, entry_row, pack_fields, read_pack_sheet
from content.workbook import Cell, read_workbook, write_workbook

_QUESTION_KEYS = (
    "id",
    "topic",
    "difficulty",
    "audience",
    "kids",
    "type",
    "text",
    "options",
    "items",
    "answer",
    "shuffle",
    "fixed_options",
    "strict_diacritics",
    "tolerance",
    "unit",
    "explanation",
    "source",
    "media",
    "time_limit",
    "points",
)
_PACK_KEYS = (
    "id",
    "version",
    "title",
    "description",
    "authors",
    "licence",
    "languages",
    "shuffle",
)


@dataclass(frozen=True)
class Spreadsheet:
    """A checked spreadsheet: pack metadata (if it has a pack sheet), languages and questions."""

    metadata: dict[str, Any] | None
    languages: tuple[str, ...]
    entries: tuple[QuestionEntry, ...]


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote."""

    questions: int
    files: tuple[Path, ...]
    placeholder: bool  # a placeholder pack.yaml was written; its fields need filling in


def read_spreadsheet(file: Path, pack_dir: Path) -> Spreadsheet:
    """Read and check a ``.csv`` or ``.xlsx`` file of questions for the pack in ``pack_dir``.

    Raises:
        SpreadsheetInvalid: listing every problem, by row and column.
    """
    workbook = read_workbook(file)
    problems: list[Problem] = []
    metadata: dict[str, Any] | None = None
    languages: tuple[str, ...] | None = None
    pack_tree = read_pack_sheet(workbook.pack) if workbook.pack is not None else None
    if pack_tree is not None:
        metadata, languages, found = check_metadata(pack_tree)
        problems += found
    elif (pack_dir / "pack.yaml").is_file():
        _, languages, _ = read_metadata(pack_dir / "pack.yaml")
    reader = RowReader(workbook.questions, languages or _header_languages(workbook.questions.rows))
    entries: list[QuestionEntry] = []
    if reader.read_header():
        rows = reader.rows()
        seen: dict[str, Position] = {}
        for number, tree in rows:
            id_node = tree.get("id")
            question_id = getattr(id_node, "text", None)
            prefix = f"{question_id}: " if question_id else ""
            if question_id in seen:
                first_row = seen[question_id].line
                message = f"{prefix}duplicate id {question_id!r} (first used in row {first_row})"
                problems.append(Position(tree.position.file, number, 1).problem(message))
            elif question_id:
                seen[question_id] = Position(tree.position.file, number, 1)
            value, found = check(tree, QuestionEntry, reader.languages, prefix)
            if not found:
                entry: QuestionEntry = msgspec.convert(value, QuestionEntry)
                found = check_entry(entry, tree, pack_dir, prefix)
                entries.append(entry)
            problems += found
        topics = {str(entry.topic) for entry in entries}
        for question_id, first in _ids_elsewhere(pack_dir, topics).items():
            if question_id in seen:
                where = f"{first.file}:{first.line}:{first.column}"
                message = f"{question_id}: the pack already has this id (at {where})"
                problems.append(seen[question_id].problem(message))
    problems += reader.problems
    if problems:
        raise SpreadsheetInvalid(problems)
    return Spreadsheet(metadata, reader.languages, tuple(entries))


def _header_languages(rows: list[list[Cell]]) -> tuple[str, ...]:
    header = [str(v).strip().lower() for v in rows[0] if v is not None] if rows else []
    found = tuple(m.group(1) for h in header if (m := re.fullmatch(r"text_([a-z]{2,3})", h)))
    return found or DEFAULT_LANGUAGES


def _ids_elsewhere(pack_dir: Path, topics: set[str]) -> dict[str, Position]:
    """Ids of the pack's questions in files an import of ``topics`` does not replace."""
    if not (pack_dir / "pack.yaml").is_file():
        return {}
    replaced = {f"questions/{topic}.yaml" for topic in topics}
    pack = read_pack(pack_dir).pack
    return {
        qid: Position(str(pack_dir / meta.file), meta.line, 1)
        for qid, meta in pack.meta.items()
        if meta.file not in replaced
    }


def import_spreadsheet(file: Path, pack_dir: Path, *, force: bool = False) -> ImportResult:
    """Import a spreadsheet into ``pack_dir`` (created when missing).

    Raises:
        SpreadsheetInvalid: the spreadsheet has problems; nothing was written.
        OverwriteRefused: files would be replaced and ``force`` is off; nothing was written.
    """
    sheet = read_spreadsheet(file, pack_dir)
    planned: dict[Path, str] = {}
    placeholder = False
    if sheet.metadata is not None:
        planned[pack_dir / "pack.yaml"] = pack_yaml(sheet.metadata)
    elif not (pack_dir / "pack.yaml").is_file():
        planned[pack_dir / "pack.yaml"] = pack_yaml(_placeholder(pack_dir, sheet.languages))
        placeholder = True
    by_topic: dict[str, list[QuestionEntry]] = {}
    for entry in sheet.entries:
        by_topic.setdefault(entry.topic, []).append(entry)
    for topic, entries in by_topic.items():
        planned[pack_dir / "questions" / f"{topic}.yaml"] = questions_yaml(entries)
    existing = [p for p, text in planned.items() if p.exists() and p.read_text("utf-8") != text]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise OverwriteRefused(f"the import would replace {names}; use --force to replace them")
    for path, text in planned.items():
        _write_atomically(path, text.encode("utf-8"))
    return ImportResult(len(sheet.entries), tuple(planned), placeholder)


def _placeholder(pack_dir: Path, languages: tuple[str, ...]) -> dict[str, Any]:
    slug = re.sub(r"[^a-z0-9]+", "-", pack_dir.resolve().name.lower()).strip("-") or "pack"
    return {
        "id": slug,
        "version": "0.1.0",
        "title": {lang: slug for lang in languages},
        "authors": ["fill in the authors"],
        "licence": "fill in the licence",
        "languages": list(languages),
    }


def export_pack(pack_dir: Path, out: Path, *, force: bool = False) -> int:
    """Write a valid pack to a ``.xlsx`` (questions, pack and help sheets) or ``.csv`` file.

    Returns:
        The number of questions written.

    Raises:
        PackInvalid: the pack has problems.
        SpreadsheetInvalid: a question does not fit the layout (e.g. option ids beyond a–f).
        OverwriteRefused: ``out`` exists and ``force`` is off.
    """
    pack = load_pack(pack_dir)
    rows: list[dict[str, Cell]] = []
    problems: list[Problem] = []
    for question in pack.questions:
        meta = pack.meta[question.id]
        row, reasons = entry_row(to_entry(question, meta.audience), pack.languages)
        for reason in reasons:
            where = str(pack.root / meta.file)
            problems.append(Problem(where, meta.line, 1, f"{question.id}: {reason}"))
        rows.append(row)
    if problems:
        raise SpreadsheetInvalid(problems)
    if out.exists() and not force:
        raise OverwriteRefused(f"{out} exists; use --force to replace it")
    metadata: dict[str, Cell] = {
        "id": pack.id,
        "version": pack.version,
        "authors": "; ".join(pack.authors),
        "licence": pack.licence,
        "languages": ", ".join(pack.languages),
    }
    for lang in pack.languages:
        metadata[f"title_{lang}"] = pack.title.get(lang)
        metadata[f"description_{lang}"] = pack.description.get(lang)
    temporary = out.with_name(f".{out.name}.tmp{out.suffix}")
    pack_rows: list[list[Cell]] = [[f, metadata.get(f)] for f in pack_fields(pack.languages)]
    write_workbook(temporary, columns(pack.languages), rows, pack_rows)
    os.replace(temporary, out)
    return len(rows)


def write_template(path: Path, languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> None:
    """Write the empty template: the header row (and, for xlsx, the pack and help sheets)."""
    write_workbook(path, columns(languages), [], [[f, None] for f in pack_fields(languages)])


def template_header(languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> list[str]:
    """The header row of the template's questions sheet."""
    return columns(languages)


def template_pack_fields(languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> list[str]:
    """The field names of the template's pack sheet."""
    return pack_fields(languages)


# --- YAML writing -------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Indents list items under their key, as the format's documentation shows."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_mapping(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.MappingNode:
    # Short per-language texts on one line, as in the documentation: {lv: Varš, lt: Varis, …}.
    short = all(isinstance(v, str) and "\n" not in v for v in data.values())
    flow = short and sum(len(str(k)) + len(str(v)) + 4 for k, v in data.items()) <= 72
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    flow = all(isinstance(v, str) and "\n" not in v for v in data)
    flow = flow and sum(len(v) + 2 for v in data) <= 72
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(dict, _represent_mapping)
_Dumper.add_representer(list, _represent_list)


def _ordered(data: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: data[k] for k in keys if k in data}


def _plain_number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def questions_yaml(entries: list[QuestionEntry]) -> str:
    """A question file holding ``entries``, keys in the documented order."""
    listed = []
    for entry in entries:
        data = _ordered(msgspec.to_builtins(entry), _QUESTION_KEYS)
        for key in ("answer", "tolerance"):
            if key in data:
                data[key] = _plain_number(data[key])
        if "media" in data:
            data["media"] = _ordered(data["media"], ("path", "alt", "credit", "licence"))
        listed.append(data)
    return _dump({"questions": listed})


def pack_yaml(metadata: dict[str, Any]) -> str:
    """``pack.yaml`` for checked metadata, keys in the documented order."""
    return _dump(_ordered(metadata, _PACK_KEYS))


def _dump(data: Any) -> str:
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100, indent=2)
    # A blank line between questions; block scalars are indented deeper, so never split.
    return text.replace("\n  - id: ", "\n\n  - id: ").replace(":\n\n  - id: ", ":\n  - id: ")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
