"""The engine is pure: game/ imports no I/O, clock, randomness or framework module."""

from __future__ import annotations

import ast
from pathlib import Path

import game

FORBIDDEN = {
    "asyncio",
    "time",
    "random",
    "socket",
    "threading",
    "starlette",
    "sqlalchemy",
    "redis",
    "serial",
    "os",
    "subprocess",
    "logging",
    "datetime",
    "secrets",
    "uuid",
    "server",
    "buzzers",
    "circulation_bridge",
    "content",
    "displays",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_game_imports_nothing_impure():
    files = sorted(Path(game.__file__).parent.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        bad = _imports(path) & FORBIDDEN
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_check_itself_sees_forbidden_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import time\nfrom asyncio import sleep\nfrom . import x\n")
    assert _imports(sample) == {"time", "asyncio"}
