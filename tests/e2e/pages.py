"""What the browser end-to-end tests share: the installed server and the pages opened on it.

Theory of operation: each test file keeps its own ``server`` fixture (its own settings: an admin
token, libraries, a log level) but builds it with ``installed_quiz``, which runs the installed
``quiz`` script through ``loadtests.harness.QuizServer`` with none of this process's ``QUIZ_*``
settings, so that a developer's environment never leaks into the server under test. Pages are
opened in a fresh browser context each (``open_page``), wait up to ``WAIT_MS`` for anything, and
accept confirmation dialogs unless told not to; ``expect`` is Playwright's, with the same wait.
The browser itself comes from tests/displays/browser.py (``chromium``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from loadtests.harness import QuizServer

WAIT_MS = 20_000  # a real server on a busy machine: generous, since nothing here times anything


def installed_quiz(tmp_path: Path, env: dict[str, str] | None = None, **options: Any) -> QuizServer:
    """``quiz serve`` from the installed script, data in ``tmp_path/data``, no QUIZ_* inherited.

    ``env`` adds the test's own settings; ``options`` override the other ``QuizServer``
    arguments (``log_level="debug"``, say). Use it as a context manager.
    """
    defaults: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "log_level": None,
        "base_env": {k: v for k, v in os.environ.items() if not k.startswith("QUIZ_")},
        "command": (str(Path(sys.executable).parent / "quiz"),),
        "start_timeout": 60,
    }
    return QuizServer(env, **(defaults | options))


def expect() -> Any:
    """Playwright's ``expect``, waiting up to ``WAIT_MS``."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=WAIT_MS)
    return playwright_expect


def open_page(browser: Any, url: str, *, accept_dialogs: bool = True, **context: Any) -> Any:
    """Open ``url`` in a new browser context made with ``context`` (viewport, has_touch …)."""
    page = browser.new_context(**context).new_page()
    page.set_default_timeout(WAIT_MS)
    if accept_dialogs:
        page.on("dialog", lambda dialog: dialog.accept())
    page.goto(url)
    return page


def command(host: Any, name: str) -> None:
    """Press the host console's button for command ``name`` once it is enabled."""
    button = host.locator(f"[data-command='{name}']")
    expect()(button).to_be_enabled()
    button.click()
    if button.get_attribute("data-confirm"):  # a destructive command: the in-page confirmation
        host.locator("[data-confirm-dialog] [data-confirm-ok]").click()
