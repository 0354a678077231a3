"""Spreadsheet files: ``.xlsx`` workbooks and ``.csv`` files as grids of cell values, both ways.

The thin I/O shell of the spreadsheet import and export (``content.spreadsheet`` knows the layout).
A workbook has the sheets ``questions``, ``pack`` and ``help``; a CSV file is the questions sheet
alone, read with a comma, semicolon or tab separator (whichever its first line uses most) and
written with commas, in UTF-8 with a byte-order mark so that spreadsheet programs show ā and š.
Text cells are always written as text: a text starting with ``=`` never becomes a formula. Formula
cells that are read are remembered so the importer can refuse them.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from content.errors import Problem, SpreadsheetInvalid
from content.template_help import help_rows

QUESTIONS_SHEET = "questions"
PACK_SHEET = "pack"
HELP_SHEET = "help"

Cell = str | int | float | bool | None
"""The value of one cell."""


@dataclass(frozen=True)
class Grid:
    """A sheet as rows of cell values; row 1 is ``rows[0]``."""

    file: str
    rows: list[list[Cell]]
    formulas: frozenset[tuple[int, int]] = frozenset()  # (row, column), 1-based


@dataclass(frozen=True)
class Workbook:
    """What a spreadsheet file holds: the questions sheet and, for xlsx, the pack sheet."""

    questions: Grid
    pack: Grid | None = None


def read_workbook(path: Path) -> Workbook:
    """Read a ``.csv`` or ``.xlsx`` file into grids of cell values.

    Raises:
        SpreadsheetInvalid: the file is not UTF-8 text (CSV) or not a readable workbook (XLSX).
    """
    name = str(path)
    if path.suffix.lower() == ".csv":
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            row = data[: exc.start].count(b"\n") + 1
            message = "the file is not UTF-8 text; save it as 'CSV UTF-8'"
            raise SpreadsheetInvalid([Problem(name, row, 1, message)]) from None
        first = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=first.count)
        rows: list[list[Cell]] = [
            list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
        return Workbook(Grid(name, rows))
    try:
        book = openpyxl.load_workbook(path, read_only=False, data_only=False)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException) as exc:
        message = f"not a readable .xlsx workbook ({type(exc).__name__})"
        raise SpreadsheetInvalid([Problem(name, 1, 1, message)]) from None
    sheet = book[QUESTIONS_SHEET] if QUESTIONS_SHEET in book.sheetnames else book.worksheets[0]
    questions = _grid(name, sheet)
    pack = (
        _grid(f"{name}[{PACK_SHEET}]", book[PACK_SHEET]) if PACK_SHEET in book.sheetnames else None
    )
    return Workbook(questions, pack)


def _grid(name: str, sheet: Worksheet) -> Grid:
    rows: list[list[Cell]] = []
    formulas: set[tuple[int, int]] = set()
    for r, row in enumerate(sheet.iter_rows(), start=1):
        values: list[Cell] = []
        for c, cell in enumerate(row, start=1):
            value = cell.value
            if cell.data_type == "f":
                formulas.add((r, c))
            if isinstance(value, datetime.datetime | datetime.date | datetime.time):
                value = value.isoformat()
            values.append(value if isinstance(value, str | int | float | bool) else None)
        rows.append(values)
    return Grid(name, rows, frozenset(formulas))


def write_workbook(
    path: Path, header: list[str], rows: list[dict[str, Cell]], pack: list[list[Cell]]
) -> None:
    """Write question rows under ``header`` (and, for xlsx, the pack and help sheets) to ``path``.

    Args:
        path: a ``.csv`` or ``.xlsx`` file name.
        header: the column names of the questions sheet.
        rows: one mapping of column name to value per question.
        pack: the rows of the pack sheet, ``[field, value]`` each (not written to CSV).
    """
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_text(row.get(name)) for name in header])
        path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
        return
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = QUESTIONS_SHEET
    _fill(sheet, [list[Cell](header), *([row.get(name) for name in header] for row in rows)])
    sheet.freeze_panes = "B2"
    pack_sheet = book.create_sheet(PACK_SHEET)
    _fill(pack_sheet, [["field", "value"], *pack])
    _fill(book.create_sheet(HELP_SHEET), help_rows())
    book.save(path)


def _fill(sheet: Worksheet, rows: list[list[Cell]]) -> None:
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula, even when it starts with "="
            if r == 1:
                cell.font = Font(bold=True)
    for c, name in enumerate(rows[0], start=1):
        width = max(10, min(40, len(str(name)) + 4))
        sheet.column_dimensions[get_column_letter(c)].width = width


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
