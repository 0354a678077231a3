"""Exports: a contest's results and a participation report as CSV tables and XLSX workbooks.

Theory of operation
-------------------
Every export is built from ``game.results`` structs — the pure functions of the event log — so a
file, the results page and a replay always show the same numbers. ``results_tables`` and
``participation_tables`` turn them into named tables (a header row and data rows); ``to_csv``
writes one table, ``to_xlsx`` writes every table as a sheet of one workbook with openpyxl, and
adds a line chart of the score progression drawn by Excel/LibreOffice from the sheet's own cells
(openpyxl's chart support), so the chart in the file is the data in the file.

No table holds a player's name, id, card or token: players appear only as counts by library, city,
generation and how they registered (``card`` at a kiosk, ``librarian`` — the fallback by name,
flagged so — or the team's ``code``), so exports need nothing erased when the retention setting
deletes players' personal data, and can be handed to the libraries as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Final

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from game.results import REGISTERED_VIA, ContestResults, Participation

Cell = str | int | float | None
Table = tuple[list[str], list[list[Cell]]]
RESULT_TABLES: Final = ("ranking", "progression", "questions", "players")
PARTICIPATION_TABLES: Final = (
    "contests",
    "by_library",
    "by_city",
    "by_generation",
    "by_registration",
)
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE: Final = "text/csv; charset=utf-8"


def _title(titles: dict[str, str], lang: str) -> str:
    return titles.get(lang) or titles.get("en") or next(iter(titles.values()), "")


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def results_tables(results: ContestResults, lang: str = "en") -> dict[str, Table]:
    """The tables of a contest's results: ranking, progression, questions, players."""
    rounds = [f"R{r.index + 1} {_title(r.title, lang)}".strip() for r in results.rounds]
    ranking: Table = (
        [
            "rank",
            "team_id",
            "team",
            "city",
            "score",
            *rounds,
            "adjustments",
            "correct",
            "answered",
            "players",
        ],
        [
            [
                t.rank,
                t.team_id,
                t.name,
                t.venue,
                t.score,
                *t.per_round,
                t.other,
                t.correct,
                t.answered,
                t.players,
            ]
            for t in results.ranking
        ],
    )
    team_ids = [t.team_id for t in results.ranking]
    progression: Table = (
        ["step", "round", "question", *[t.name for t in results.ranking]],
        [
            [
                step,
                p.round_index + 1 if p.round_index >= 0 else None,
                p.question_index + 1 if p.question_index >= 0 else None,
                *[p.scores.get(t, 0) for t in team_ids],
            ]
            for step, p in enumerate(results.progression)
        ],
    )
    questions: Table = (
        [
            "round",
            "question",
            "question_id",
            "topic",
            "difficulty",
            "text",
            "skipped",
            "correct_share",
            *[f"verdict {t}" for t in team_ids],
            *[f"points {t}" for t in team_ids],
            "fastest_team",
            "fastest_ms",
            "photo_finish_seq",
        ],
        [
            [
                q.round_index + 1,
                q.question_index + 1,
                q.question_id,
                q.topic,
                q.difficulty,
                _title(q.text, lang),
                "yes" if q.skipped else "no",
                _share(q.correct_share),
                *[q.verdicts.get(t, "") for t in team_ids],
                *[q.points.get(t, 0) for t in team_ids],
                q.fastest_team,
                q.fastest_ms,
                " ".join(str(s) for s in q.photo_finish_seq),
            ]
            for q in results.questions
        ],
    )
    return {
        "ranking": ranking,
        "progression": progression,
        "questions": questions,
        "players": _players_table(results),
    }


def _players_table(results: ContestResults) -> Table:
    """Players counted by library, generation and how they registered (no one named)."""
    header = ["library", "generation", "registered_via", "players"]
    if not results.players:  # the public version keeps only counts by library and generation
        return header, [
            [library, generation, None, count]
            for library, generations in results.players_by_library.items()
            for generation, count in generations.items()
        ]
    order = {via: i for i, via in enumerate(REGISTERED_VIA)}
    counts: dict[tuple[str, str, str], int] = {}
    for p in results.players:
        key = (p.library, p.generation, p.registered_via)
        counts[key] = counts.get(key, 0) + 1
    keys = sorted(counts, key=lambda k: (k[0], k[1], order.get(k[2], len(order)), k[2]))
    return header, [[*key, counts[key]] for key in keys]


def participation_tables(report: Participation) -> dict[str, Table]:
    """The tables of a participation report: contests, by library, by city, by generation, by
    way of registering."""

    def breakdown(key: str, counts: dict[str, dict[str, int]]) -> Table:
        rows: list[list[Cell]] = [
            [name, generation, count]
            for name, generations in counts.items()
            for generation, count in generations.items()
        ]
        return [key, "generation", "players"], rows

    return {
        "contests": (
            ["date", "contest_id", "title", "status", "teams", "players"],
            [
                [c.date, c.contest_id, c.title, c.status, c.teams, c.players]
                for c in report.contests
            ],
        ),
        "by_library": breakdown("library", report.by_library),
        "by_city": breakdown("city", report.by_city),
        "by_generation": (
            ["generation", "players"],
            [[g, n] for g, n in report.by_generation.items()],
        ),
        "by_registration": (
            ["registered_via", "players"],
            [[via, n] for via, n in report.by_registration.items()],
        ),
    }


def to_csv(table: Table) -> bytes:
    """One table as UTF-8 CSV with a byte-order mark (so spreadsheet programs read ā, ū, š)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table[0])
    writer.writerows(["" if cell is None else cell for cell in row] for row in table[1])
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(tables: dict[str, Table], chart_sheet: str | None = None) -> bytes:
    """Every table as a sheet of one workbook; ``chart_sheet`` also gets a line chart of its
    numeric columns after the third (the score progression)."""
    book = Workbook()
    if book.active is not None:
        book.remove(book.active)
    for name, (header, rows) in tables.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        if name == chart_sheet and rows and len(header) > 3:
            _line_chart(sheet, header, len(rows))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _line_chart(sheet: Worksheet, header: Sequence[str], count: int) -> None:
    chart = LineChart()
    chart.title = "Score progression"
    chart.y_axis.title = "points"
    chart.x_axis.title = "question"
    data = Reference(sheet, min_col=4, max_col=len(header), min_row=1, max_row=count + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=count + 1))
    chart.height, chart.width = 9, 18
    sheet.add_chart(chart, f"A{count + 3}")
