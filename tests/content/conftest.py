"""Shared fixtures of the content tests: paths of the fixture packs and a copy helper."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

PACKS = Path(__file__).parent / "packs"
GOOD = PACKS / "good"
BROKEN = PACKS / "broken"
BROKEN_META = PACKS / "broken-meta"
SPREADSHEETS = Path(__file__).parent / "spreadsheets"


@pytest.fixture
def pack_copy(tmp_path: Path) -> Callable[..., Path]:
    """A fresh copy of the good pack, with files replaced: ``{"questions/x.yaml": text}``."""

    def make(files: dict[str, str] | None = None, *, source: Path = GOOD) -> Path:
        target = tmp_path / "pack"
        shutil.copytree(source, target)
        for name, text in (files or {}).items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return target

    return make
