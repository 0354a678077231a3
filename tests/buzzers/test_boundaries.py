"""What the buzzers modules may import: no server, and no I/O in the pure cores."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "buzzers"
PURE = ["bz1", "framing", "clock", "events", "session", "lines", "simbox", "errors", "lamp_plan"]
IO_MODULES = {"time", "threading", "asyncio", "serial", "socket", "os", "select", "logging", "hid"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_nothing_in_buzzers_imports_the_server(path: Path) -> None:
    assert "server" not in imported(path)


@pytest.mark.parametrize("name", PURE)
def test_pure_cores_do_no_io_and_read_no_clock(name: str) -> None:
    assert imported(PACKAGE / f"{name}.py") & IO_MODULES == set()
