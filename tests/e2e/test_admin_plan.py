"""Creating a contest in the admin area is all or nothing, and its kiosk links open kiosks (issues
13 and 15), in headless Chromium against ``quiz serve`` with libraries configured.

- A plan the server refuses (a team's library it does not know; a round chosen by hand with no
  question ticked) shows the error naming the part and that nothing was created, and the contest
  list gains nothing; corrected, the same form creates the contest in one request.
- The links of a team with a library include its venue's kiosk link, which opens the kiosk page
  (the card field focused, the venue and library shown). Nothing asks the library: no card is
  scanned here (the kiosk flow itself: tests/e2e/test_kiosk_browser.py).

Skips with the reason when Chromium or playwright is missing, unless QUIZ_TEST_BROWSER=required.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from loadtests.harness import QuizServer
from tests.displays.browser import chromium, screenshot
from tests.e2e.pages import WAIT_MS, expect, installed_quiz, open_page

pytestmark = pytest.mark.browser
TOKEN = "admin-plan-e2e-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
LIBRARIES = {  # nothing listens on port 9: opening a kiosk never asks its library
    "Jelgava": {"host": "127.0.0.1", "port": 9, "institution_id": "J", "user": "u", "password": "p"}
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[QuizServer]:
    settings = {
        "QUIZ_ADMIN_TOKEN": TOKEN,
        "QUIZ_LIBRARIES": json.dumps(LIBRARIES),
        "QUIZ_CARD_HASH_SECRET": "admin-plan-e2e-card-hash-secret",
    }
    with installed_quiz(tmp_path, settings) as quiz:
        yield quiz


def contests(base: str) -> list[str]:
    listed = httpx.get(f"{base}/api/admin/contests", headers=ADMIN, timeout=10)
    assert listed.status_code == 200, listed.text
    return [c["contest_id"] for c in listed.json()["contests"]]


def test_a_refused_plan_makes_nothing_and_the_kiosk_link_opens_the_kiosk(
    server: QuizServer,
) -> None:
    base = server.base
    with chromium() as browser:
        admin = open_page(
            browser,
            f"{base}/admin?lang=en",
            accept_dialogs=False,
            viewport={"width": 1280, "height": 900},
        )
        context = admin.context
        admin.fill("[data-admin-token]", TOKEN)
        admin.click("[data-signin-button]")
        expect()(admin.locator("[data-admin-main]")).to_be_visible()
        expect()(admin.locator("[data-c-pack] option")).not_to_have_count(0)
        admin.fill("[data-c-title]", "Kiosku vakars")
        jelgava = admin.locator(".team-row").nth(0)
        jelgava.locator("[data-t-library]").fill("Rīga")  # not a library of this server

        admin.click("[data-create]")
        error = admin.locator("[data-create-error]")
        expect()(error).to_be_visible()
        expect()(error).to_contain_text("teams[0]")
        expect()(error).to_contain_text("Nothing was created")
        screenshot(admin, "admin-plan-refused")
        assert contests(base) == []
        expect()(admin.locator("[data-links]")).to_be_hidden()

        jelgava.locator("[data-t-library]").fill("Jelgava")
        second = admin.locator(".round-row").nth(1)
        second.locator("[data-r-mode]").select_option("hand")  # and no question ticked
        expect()(second.locator("[data-pick]").first).to_be_visible()
        admin.click("[data-create]")
        expect()(error).to_contain_text("rounds[1]")
        assert contests(base) == []

        second.locator("[data-pick]").nth(0).check()
        admin.locator(".team-row").nth(1).locator("[data-t-senior]").check()  # senior mode
        admin.click("[data-create]")
        expect()(admin.locator("[data-links]")).to_be_visible()
        expect()(error).to_be_hidden()
        (contest_id,) = contests(base)
        host_link = admin.locator("[data-link='host'] a").get_attribute("href") or ""
        secret = host_link.split("#secret=")[1]
        made = httpx.get(
            f"{base}/api/contests/{contest_id}",
            headers={"Authorization": f"Bearer {secret}"},
            timeout=10,
        ).json()
        modes = [team["time_mode"] for team in made["teams"]]
        assert modes == ["standard", "extended", "standard"]  # the ticked team only
        kiosk_links = admin.locator("[data-link='kiosk'] a")
        expect()(kiosk_links).to_have_count(1)  # only Jelgava's team names a library
        expect()(admin.locator("[data-link='kiosk']")).to_contain_text("Jelgava")
        screenshot(admin, "admin-plan-links")
        href = kiosk_links.get_attribute("href")
        assert href and href.startswith(f"/kiosk/{contest_id}?lang=en#token=kt_"), href

        with context.expect_page() as opened:
            kiosk_links.click()  # target=_blank: the kiosk opens in a tab of its own
        kiosk = opened.value
        kiosk.set_default_timeout(WAIT_MS)
        expect()(kiosk.locator("[data-card]")).to_be_focused()
        expect()(kiosk.locator("[data-kiosk-venue]")).to_have_text("Jelgava · Jelgava")
        screenshot(kiosk, "admin-plan-kiosk")
        assert "token" not in kiosk.url  # the kiosk page takes the token out of the address
        context.close()
