"""The browser tests skip without Chromium, but fail under QUIZ_TEST_BROWSER=required (CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.displays import browser


def test_missing_chromium_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.delenv("QUIZ_TEST_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium is missing"), browser.chromium():
        pass


def test_missing_chromium_fails_when_the_browser_is_required(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setenv("QUIZ_TEST_BROWSER", "required")
    failed = pytest.raises(pytest.fail.Exception, match="QUIZ_TEST_BROWSER=required")
    with failed, browser.chromium():
        pass
