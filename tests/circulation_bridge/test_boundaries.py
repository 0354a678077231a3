"""Layer boundaries of circulation_bridge, checked rather than hoped for (see docs/DESIGN)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "circulation_bridge"
PURE_CORE = ("frames", "messages", "codec", "names", "privacy", "dialogue")
NOT_IN_THE_CORE = {"asyncio", "socket", "ssl", "logging", "time", "random", "datetime", "os"}


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_nothing_imports_the_server(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m == "server" or m.startswith("server.")}


@pytest.mark.parametrize("name", PURE_CORE)
def test_the_codec_and_dialogue_do_no_io_and_read_no_clock(name: str) -> None:
    roots = {module.split(".")[0] for module in imported_modules(PACKAGE / f"{name}.py")}
    assert not roots & NOT_IN_THE_CORE
