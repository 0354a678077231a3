"""A big screen opened without its link's token says so once, in its language (audit: the page
showed two messages — the server's generic "unauthorized" error and then the close's "open the
screen link" — one on top of the other).

Against the real server (``server_process``), in headless Chromium.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from displays.messages import catalogue
from tests.displays.browser import chromium
from tests.server.conftest import setup_contest

pytestmark = pytest.mark.browser


def test_a_screen_without_its_token_shows_one_clear_message(server_process: Any) -> None:
    server = server_process()
    with httpx.Client(base_url=server.base, trust_env=False) as http:
        contest = setup_contest(http)
    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"{server.base}/screen/{contest['id']}?lang=lv")
        toast = page.locator(".toast")
        toast.first.wait_for()
        page.wait_for_timeout(1500)  # a second message would have arrived by now
        texts = [t.strip() for t in toast.all_inner_texts()]
        assert texts == [catalogue("lv")["conn_screen_link"]]
