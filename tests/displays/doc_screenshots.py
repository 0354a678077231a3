"""Make the screenshots of docs/displays.md "The pages in each language".

``python -m tests.displays.doc_screenshots docs/images`` renders one moment of the contest, played
through the engine (``tests.displays.scenes``) and served by the page tests' fake server, on the
host console at 1280×800, the big screen at 1920×1080 and a phone tablet at 390×844, in Latvian,
Lithuanian and English, and saves each as a 128-colour PNG (small enough to keep in the repo).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from PIL import Image

from tests.displays.browser import FakeServer, chromium, expect, open_page
from tests.displays.scenes import Scene
from tests.displays.test_tablet_phone import JOIN_CODES, join, open_phone

LANGS = ("lv", "lt", "en")


def _buzzed() -> Scene:
    return Scene(int(time.time() * 1_000_000)).start().buzzer_open().photo_finish()


def _all_play() -> Scene:
    scene = _buzzed().judge_answering(True).reveal()
    scene.next_round_question()
    return scene


def _save(page: Any, path: Path) -> None:
    page.wait_for_timeout(1000)  # let fit.js settle the sizes
    page.screenshot(path=str(path))
    page.context.close()
    image = Image.open(path).convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
    image.save(path, optimize=True)


def shoot(out: Path) -> list[Path]:
    """Every screenshot, into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with chromium() as browser:
        for lang in LANGS:
            host = open_page(
                browser,
                FakeServer(_buzzed()),
                f"/host/bsq-test?lang={lang}#secret=hs_test_secret",
                viewport={"width": 1280, "height": 800},
            )
            expect()(host.locator("[data-answer-clock]")).to_be_visible()
            saved.append(out / f"host-1280-{lang}-answering.png")
            _save(host, saved[-1])
            screen = open_page(
                browser,
                FakeServer(_buzzed()),
                f"/screen/bsq-test?lang={lang}#token=st_jelgava",
                viewport={"width": 1920, "height": 1080},
            )
            saved.append(out / f"screen-1920-{lang}-buzzed.png")
            _save(screen, saved[-1])
            server = FakeServer(_all_play(), join_codes=JOIN_CODES)
            phone = open_phone(browser, server, f"/play/bsq-test?lang={lang}#code=SIA-5555")
            join(phone, server, "Rūta P.")
            saved.append(out / f"tablet-390-{lang}-all-play.png")
            _save(phone, saved[-1])
    return saved


if __name__ == "__main__":
    for path in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")):
        print(path)
