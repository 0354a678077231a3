"""The page tests' shared fixture: one headless Chromium per test module (browser.py).

Each test opens its own browser context on it, so tests share the launched browser, never a page,
a cookie or a fake server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .browser import chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A launched Chromium for the module's tests (skips or fails as ``chromium()`` says)."""
    with chromium() as launched:
        yield launched
