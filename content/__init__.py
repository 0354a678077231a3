"""Question packs: the format, its validator, statistics, spreadsheet import/export, shipped packs.

A pack is a folder with ``pack.yaml``, ``questions/*.yaml`` and ``media/`` (see
``docs/content-format.md``). ``load_pack(path)`` returns a frozen ``Pack`` whose ``questions`` are
the engine's types (``game.questions``), or raises ``PackInvalid`` listing every problem with its
file, line and column. The ``quiz content`` commands live in ``content.cli``.

Modules: ``model`` (the format as typed structs), ``located`` (YAML with positions), ``checker``
(structure against the model), ``rules`` (answers, media), ``loader`` (packs), ``schema`` (JSON
Schema for editors), ``stats``, ``spreadsheet`` (the CSV/XLSX layout), ``workbook`` (reading and
writing those files), ``transfer`` (import and export), ``cli``.
"""

from __future__ import annotations

from content.errors import (
    ContentError,
    OverwriteRefused,
    PackInvalid,
    Problem,
    ProblemsFound,
    SpreadsheetInvalid,
)
from content.loader import Pack, PackReading, QuestionMeta, load_pack, read_pack

__all__ = [
    "ContentError",
    "OverwriteRefused",
    "Pack",
    "PackInvalid",
    "PackReading",
    "Problem",
    "ProblemsFound",
    "QuestionMeta",
    "SpreadsheetInvalid",
    "load_pack",
    "read_pack",
]
