"""Errors of the question-pack tools, and the ``Problem`` they carry.

A pack or spreadsheet is never rejected for its first problem: the checkers collect every problem
(file, line, column, message) and raise one error that holds them all.

Exception tree::

    ContentError                 root; never raised itself
    ├── ProblemsFound            the input has problems; ``problems`` lists every one
    │   ├── PackInvalid          a question pack (pack.yaml, question files, media)
    │   └── SpreadsheetInvalid   a spreadsheet to import, or a pack that cannot be exported to one
    └── OverwriteRefused         an import or export would overwrite files (nothing was written)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a file, at a 1-based line and column (a row and column in a spreadsheet).

    ``severity`` is ``error`` (the pack is invalid) or ``warning`` (``content.audit``: the pack
    is valid, but an editor should look).
    """

    file: str
    line: int
    column: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}: {self.message}"


class ContentError(Exception):
    """Root of every error the question-pack tools raise."""


class ProblemsFound(ContentError):
    """The input has problems; ``problems`` lists every one, sorted by file and position."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''}:\n{lines}")


class PackInvalid(ProblemsFound):
    """A question pack has problems."""


class SpreadsheetInvalid(ProblemsFound):
    """A spreadsheet cannot be imported, or a pack cannot be written to the spreadsheet layout."""


class OverwriteRefused(ContentError):
    """An import or export would overwrite existing files; nothing was written."""
