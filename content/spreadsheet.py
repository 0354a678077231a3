"""The spreadsheet layout of a pack: one row per question, one column per field and language.

Theory of operation
-------------------
Librarians who prefer a spreadsheet to YAML fill in the template (``content/templates/``). The
layout is fixed by the pack's languages (``columns``): ``id, type, topic, difficulty, audience``,
then ``text_lv …``, six option groups ``option_a_lv … option_f_en`` (ordering items use the same
columns), ``answer`` and ``answer_lv …`` (accepted answers of open-text questions, separated by
``;``), ``tolerance``, ``unit_*``, ``explanation_*``, ``source``, the ``media_*`` columns,
``time_limit``, ``points`` and the optional flags ``kids``, ``shuffle``, ``fixed_options`` and
``strict_diacritics``.

Reading turns each row into the same located tree a YAML question produces — positions are
(row, column) of the cells — so the one checker of ``content.checker`` reports every problem of
every row with its row number. Writing is the inverse, from a checked ``QuestionEntry``.

The files themselves are read and written by ``content.workbook``: an ``.xlsx`` workbook has the
sheets ``questions``, ``pack`` (the ``pack.yaml`` fields as field/value rows) and ``help``; a
``.csv`` file holds the questions sheet alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from content.errors import Problem
from content.located import LocatedNode, Mapping, Position, Scalar, Sequence
from content.model import (
    MultipleChoiceEntry,
    OpenTextEntry,
    OrderingEntry,
    QuestionEntry,
    SingleChoiceEntry,
    TrueFalseEntry,
)
from content.workbook import Cell, Grid

OPTION_IDS = ("a", "b", "c", "d", "e", "f")
"""The option (and ordering item) ids a spreadsheet can hold: one column group each."""

ALTERNATIVES = ";"
"""Separates the accepted answers of an open-text question in an ``answer_<lang>`` cell."""

_LIST_SPLIT = re.compile(r"[\s,;]+")
_DECIMAL_COMMA = re.compile(r"[-+]?[0-9]+,[0-9]+")
_NUMBER_COLUMNS = frozenset({"difficulty", "tolerance", "time_limit", "points"})
_WORD_COLUMNS = frozenset({"type", "topic", "audience"})
_FLAG_COLUMNS = ("kids", "shuffle", "fixed_options", "strict_diacritics")
"""Optional question flags, after ``points``."""


def columns(languages: tuple[str, ...]) -> list[str]:
    """The column names of the questions sheet for a pack in ``languages``, in order."""

    def each(stem: str) -> list[str]:
        return [f"{stem}_{lang}" for lang in languages]

    names = ["id", "type", "topic", "difficulty", "audience", *each("text")]
    for option in OPTION_IDS:
        names += each(f"option_{option}")
    names += ["answer", *each("answer"), "tolerance", *each("unit"), *each("explanation")]
    names += ["source", "media_path", *each("media_alt"), "media_credit", "media_licence"]
    return [*names, "time_limit", "points", *_FLAG_COLUMNS]


REQUIRED_COLUMNS = ("id", "type", "topic", "difficulty", "audience", "answer", "source")
"""Columns a questions sheet must have (besides ``text_<lang>`` and ``explanation_<lang>``)."""


def pack_fields(languages: tuple[str, ...]) -> list[str]:
    """The field names of the pack sheet, in order."""
    names = ["id", "version", *(f"title_{lang}" for lang in languages)]
    names += [f"description_{lang}" for lang in languages]
    return [*names, "authors", "licence", "languages"]


# --- rows -> located trees --------------------------------------------------------------------


@dataclass
class RowReader:
    """Turns the rows of a questions sheet into located question trees."""

    grid: Grid
    languages: tuple[str, ...]
    problems: list[Problem] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)  # column name -> 0-based index

    def read_header(self) -> bool:
        """Check the header row; return whether the rows can be read."""
        at_start = Position(self.grid.file, 1, 1)
        if not self.grid.rows:
            self.problems.append(at_start.problem("the sheet is empty; expected a header row"))
            return False
        known = columns(self.languages)
        for c, value in enumerate(self.grid.rows[0]):
            name = str(value).strip().lower() if value is not None else ""
            where = Position(self.grid.file, 1, c + 1)
            if not name:
                continue
            if name in self.index:
                self.problems.append(where.problem(f"column {name!r} appears twice"))
            elif name not in known:
                self.problems.append(where.problem(f"unknown column {name!r}"))
            else:
                self.index[name] = c
        needed = [*REQUIRED_COLUMNS]
        needed += [f"{stem}_{lang}" for stem in ("text", "explanation") for lang in self.languages]
        for name in needed:
            if name not in self.index:
                self.problems.append(at_start.problem(f"missing column {name!r}"))
        return not self.problems

    def rows(self) -> list[tuple[int, Mapping]]:
        """Every non-empty row after the header as (row number, located question)."""
        found = []
        for number, row in enumerate(self.grid.rows[1:], start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
                continue
            for r, c in self.grid.formulas:
                if r == number:
                    message = "formulas are not supported; type the value itself"
                    self.problems.append(Position(self.grid.file, r, c).problem(message))
            found.append((number, self._question(number, row)))
        return found

    def _where(self, number: int, name: str) -> Position:
        return Position(self.grid.file, number, self.index.get(name, 0) + 1)

    def _scalar(
        self, number: int, row: list[Cell], name: str, plain: bool = False
    ) -> Scalar | None:
        c = self.index.get(name)
        value = row[c] if c is not None and c < len(row) else None
        if value is None:
            return None
        where = self._where(number, name)
        if isinstance(value, bool):
            return Scalar("true" if value else "false", where)
        if isinstance(value, int):
            return Scalar(str(value), where)
        if isinstance(value, float):
            return Scalar(str(int(value)) if value.is_integer() else repr(value), where)
        text = value.strip()
        if not text:
            return None
        if name in _WORD_COLUMNS:
            text = re.sub(r"[\s-]+", "_", text.lower())
        if plain and _DECIMAL_COMMA.fullmatch(text):
            text = text.replace(",", ".")
        return Scalar(text, where, quoted=not plain)

    def _localized(self, number: int, row: list[Cell], stem: str) -> Mapping | None:
        entries = []
        for lang in self.languages:
            scalar = self._scalar(number, row, f"{stem}_{lang}")
            if scalar is not None:
                entries.append((Scalar(lang, scalar.position), scalar))
        if not entries:
            return None
        slots = {lang: self._where(number, f"{stem}_{lang}") for lang in self.languages}
        return Mapping(tuple(entries), entries[0][0].position, slots)

    def _question(self, number: int, row: list[Cell]) -> Mapping:
        entries: list[tuple[Scalar, LocatedNode]] = []
        slots: dict[str, Position] = {}

        def put(key: str, node: LocatedNode | None, column: str) -> None:
            slots[key] = self._where(number, column)
            if node is not None:
                entries.append((Scalar(key, node.position), node))

        kind_cell = self._scalar(number, row, "type")
        kind = kind_cell.text if kind_cell else ""
        for name in ("id", "type", "topic"):
            put(name, self._scalar(number, row, name), name)
        put("difficulty", self._scalar(number, row, "difficulty", plain=True), "difficulty")
        put("audience", self._scalar(number, row, "audience"), "audience")
        put("text", self._localized(number, row, "text"), f"text_{self.languages[0]}")
        choices = self._choices(number, row)
        put("items" if kind == "ordering" else "options", choices, f"option_a_{self.languages[0]}")
        put("answer", self._answer(number, row, kind), "answer")
        put("tolerance", self._scalar(number, row, "tolerance", plain=True), "tolerance")
        put("unit", self._localized(number, row, "unit"), f"unit_{self.languages[0]}")
        put(
            "explanation",
            self._localized(number, row, "explanation"),
            f"explanation_{self.languages[0]}",
        )
        put("source", self._scalar(number, row, "source"), "source")
        put("media", self._media(number, row), "media_path")
        put("time_limit", self._scalar(number, row, "time_limit", plain=True), "time_limit")
        put("points", self._scalar(number, row, "points", plain=True), "points")
        for flag in ("kids", "shuffle", "strict_diacritics"):
            put(flag, self._scalar(number, row, flag, plain=True), flag)
        fixed = self._scalar(number, row, "fixed_options", plain=True)
        if fixed is not None:
            ids = tuple(Scalar(i, fixed.position) for i in _LIST_SPLIT.split(fixed.text) if i)
            put("fixed_options", Sequence(ids, fixed.position), "fixed_options")
        return Mapping(tuple(entries), Position(self.grid.file, number, 1), slots)

    def _choices(self, number: int, row: list[Cell]) -> Mapping | None:
        entries = []
        for option in OPTION_IDS:
            texts = self._localized(number, row, f"option_{option}")
            if texts is not None:
                entries.append((Scalar(option, texts.position), texts))
        if not entries:
            return None
        return Mapping(tuple(entries), entries[0][0].position)

    def _answer(self, number: int, row: list[Cell], kind: str) -> LocatedNode | None:
        plain = kind in ("numeric", "estimation", "true_false")
        answer = self._scalar(number, row, "answer", plain=plain)
        per_language = [self._scalar(number, row, f"answer_{lang}") for lang in self.languages]
        if kind != "open_text":
            for lang, cell in zip(self.languages, per_language, strict=True):
                if cell is not None:
                    message = f"answer_{lang} is only for open_text questions; use 'answer'"
                    self.problems.append(cell.position.problem(message))
            if answer is not None and kind in ("multiple_choice", "ordering"):
                ids = [p for p in _LIST_SPLIT.split(answer.text) if p]
                return Sequence(tuple(Scalar(i, answer.position) for i in ids), answer.position)
            return answer
        if answer is not None:
            message = "open_text questions take their accepted answers in answer_<language>"
            self.problems.append(answer.position.problem(message))
        entries = []
        for lang, cell in zip(self.languages, per_language, strict=True):
            if cell is None:
                continue
            accepted = [a.strip() for a in cell.text.split(ALTERNATIVES) if a.strip()]
            items = tuple(Scalar(a, cell.position, quoted=True) for a in accepted)
            entries.append((Scalar(lang, cell.position), Sequence(items, cell.position)))
        if not entries:
            return None
        slots = {lang: self._where(number, f"answer_{lang}") for lang in self.languages}
        return Mapping(tuple(entries), entries[0][0].position, slots)

    def _media(self, number: int, row: list[Cell]) -> Mapping | None:
        entries: list[tuple[Scalar, LocatedNode]] = []
        slots = {}
        for key, column in (
            ("path", "media_path"),
            ("credit", "media_credit"),
            ("licence", "media_licence"),
        ):
            slots[key] = self._where(number, column)
            scalar = self._scalar(number, row, column)
            if scalar is not None:
                entries.append((Scalar(key, scalar.position), scalar))
        alt = self._localized(number, row, "media_alt")
        slots["alt"] = self._where(number, f"media_alt_{self.languages[0]}")
        if alt is not None:
            entries.append((Scalar("alt", alt.position), alt))
        if not entries:
            return None
        return Mapping(tuple(entries), entries[0][0].position, slots)


def read_pack_sheet(grid: Grid) -> Mapping | None:
    """The pack sheet as a located ``pack.yaml`` tree, or ``None`` when every value is empty."""
    values: dict[str, tuple[Cell, Position]] = {}
    for number, row in enumerate(grid.rows[1:], start=2):
        if len(row) >= 2 and isinstance(row[0], str) and row[1] not in (None, ""):
            values[row[0].strip().lower()] = (row[1], Position(grid.file, number, 2))
    if not values:
        return None
    entries: list[tuple[Scalar, LocatedNode]] = []
    localized: dict[str, list[tuple[Scalar, LocatedNode]]] = {}
    for name, (value, where) in values.items():
        text = str(value).strip()
        stem, _, lang = name.rpartition("_")
        if stem in ("title", "description"):
            localized.setdefault(stem, []).append((Scalar(lang, where), Scalar(text, where, True)))
        elif name in ("authors", "languages"):
            parts = [p.strip() for p in re.split(r"[;,]" if name == "languages" else ";", text)]
            items = tuple(Scalar(p, where, True) for p in parts if p)
            entries.append((Scalar(name, where), Sequence(items, where)))
        else:
            entries.append((Scalar(name, where), Scalar(text, where, True)))
    for stem, texts in localized.items():
        where = texts[0][0].position
        entries.append((Scalar(stem, where), Mapping(tuple(texts), where)))
    return Mapping(tuple(entries), Position(grid.file, 1, 1))


# --- entries -> rows ---------------------------------------------------------------------------


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


def entry_row(
    entry: QuestionEntry, languages: tuple[str, ...]
) -> tuple[dict[str, Cell], list[str]]:
    """The row of one question, and the reasons it cannot be written (option ids beyond a–f …)."""
    row: dict[str, Cell] = {
        "id": entry.id,
        "type": str(type(entry).__struct_config__.tag),
        "topic": entry.topic,
        "difficulty": entry.difficulty,
        "audience": entry.audience,
        "source": entry.source,
        "time_limit": entry.time_limit,
        "points": entry.points,
    }
    reasons: list[str] = []

    def localized(stem: str, texts: dict[str, str]) -> None:
        for lang in languages:
            row[f"{stem}_{lang}"] = texts.get(lang)

    localized("text", entry.text)
    localized("explanation", entry.explanation)
    if isinstance(entry, SingleChoiceEntry | MultipleChoiceEntry | OrderingEntry):
        choices = entry.items if isinstance(entry, OrderingEntry) else entry.options
        for option, texts in choices.items():
            if option not in OPTION_IDS:
                reasons.append(f"option id {option!r}: a spreadsheet only has options a–f")
            localized(f"option_{option}", texts)
    if isinstance(entry, SingleChoiceEntry):
        row["answer"] = entry.answer
    elif isinstance(entry, MultipleChoiceEntry | OrderingEntry):
        row["answer"] = ", ".join(entry.answer)
    elif isinstance(entry, TrueFalseEntry):
        row["answer"] = entry.answer
    elif isinstance(entry, OpenTextEntry):
        for lang, accepted in entry.answer.items():
            if any(ALTERNATIVES in a for a in accepted):
                reasons.append(f"an accepted answer in {lang} contains {ALTERNATIVES!r}")
            row[f"answer_{lang}"] = f"{ALTERNATIVES} ".join(accepted)
    else:
        row["answer"] = _number(entry.answer)
        row["tolerance"] = _number(entry.tolerance) if entry.tolerance else None
        localized("unit", entry.unit)
    row["kids"] = True if entry.kids else None
    if isinstance(entry, SingleChoiceEntry | MultipleChoiceEntry | OrderingEntry):
        row["shuffle"] = entry.shuffle
    if isinstance(entry, SingleChoiceEntry | MultipleChoiceEntry) and entry.fixed_options:
        row["fixed_options"] = ", ".join(entry.fixed_options)
    if isinstance(entry, OpenTextEntry) and entry.strict_diacritics:
        row["strict_diacritics"] = True
    if entry.media is not None:
        row["media_path"] = entry.media.path
        row["media_credit"] = entry.media.credit
        row["media_licence"] = entry.media.licence
        localized("media_alt", entry.media.alt)
    return row, reasons
