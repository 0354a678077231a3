"""The big screen fits its 16:9 screen with every question of the shipped pack, in every language.

Every question of ``content/packs/baltic-science`` is played through the engine in a buzzer round,
an all-play round and (the numeric ones) an estimation round (``pack_scenes``); each busy moment's
display view — a team buzzed with the answer clock running, answers coming in, the reveal with the
explanation and every team's result — is pushed to one screen page per language at 1920x1080 and
at 1280x720. After each view the page says it has drawn and fitted it (the ``screen:drawn`` event);
a listener installed before the page's own scripts measures right then: the document does not
scroll, the question stage does not overflow, and the question, its options, the buzz banner, the
countdown and the reveal lie inside the viewport.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

import pytest

from game import commands as c

from .browser import ORIGIN, FakeServer, screenshot
from .pack_scenes import pack_views
from .scenes import MS, S, Scene

pytestmark = pytest.mark.browser
VIEWPORTS = ((1920, 1080), (1280, 720))
LANGS = ("lv", "lt", "en")

# Runs in the page before its modules: measures the screen each time it has drawn a view.
MEASURE = """
window.__screenChecks = [];
document.addEventListener("screen:drawn", (event) => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const problems = [];
  const root = document.scrollingElement;
  if (root.scrollHeight > vh + 1 || root.scrollWidth > vw + 1) {
    problems.push(`page is ${root.scrollWidth}x${root.scrollHeight}`);
  }
  const main = document.querySelector("main");
  if (main.scrollHeight > main.clientHeight + 1) problems.push("main scrolls");
  const stage = document.querySelector(".screen-stage [data-question]");
  if (stage && stage.offsetParent !== null) {
    if (stage.scrollHeight > stage.clientHeight + 1 || stage.scrollWidth > stage.clientWidth + 1) {
      problems.push(`stage overflows: ${stage.scrollWidth}x${stage.scrollHeight} in ` +
        `${stage.clientWidth}x${stage.clientHeight}`);
    }
    const body = stage.querySelector(".question-body");
    if (body.scrollHeight > body.clientHeight + 1) problems.push("options overflow their box");
    const outer = stage.getBoundingClientRect();
    for (const name of ["question-text", "options", "buzz", "countdown", "correct", "results",
                        "explanation", "answered", "media"]) {
      const element = stage.querySelector(`[data-${name}]`);
      if (!element || element.offsetParent === null) continue;
      const r = element.getBoundingClientRect();
      if (r.top < outer.top - 1 || r.bottom > Math.min(outer.bottom, vh) + 1 ||
          r.left < outer.left - 1 || r.right > Math.min(outer.right, vw) + 1) {
        problems.push(`${name} outside the stage (bottom ${Math.round(r.bottom)})`);
      }
    }
    // nothing drawn over anything else: each visible part of the stage starts below the last
    const parts = [...stage.children].filter((e) => e.offsetParent !== null && e.offsetHeight > 0);
    for (let i = 1; i < parts.length; i += 1) {
      const above = parts[i - 1].getBoundingClientRect(), below = parts[i].getBoundingClientRect();
      if (below.top < above.bottom - 1) problems.push(`${parts[i].className} overlaps`);
    }
    const image = stage.querySelector("[data-media-img]");
    if (image && image.offsetParent !== null && image.getBoundingClientRect().height < vh * 0.15) {
      problems.push(`image only ${Math.round(image.getBoundingClientRect().height)} px high`);
    }
  }
  const text = document.querySelector("[data-question-text]");
  window.__screenChecks.push({
    seq: event.detail.seq,
    problems,
    textPx: text && text.offsetParent !== null ? parseFloat(getComputedStyle(text).fontSize) : null,
  });
});
"""


@functools.cache
def all_views() -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple(pack_views("display", int(time.time() * 1_000_000)))


def push_all(server: FakeServer, page: Any, first_seq: int) -> list[dict[str, Any]]:
    """Send every pack view to the screen and return the page's measurements, one per view
    (the last one of its seq: a resize of the window draws the current view once more)."""
    connection = next(c for c in server.connections if c.role == "display")
    page.evaluate("window.__screenChecks = []")
    views = all_views()
    for offset, (_, view) in enumerate(views):
        message = {"type": "view", "seq": first_seq + offset, "snapshot": False, "events": []}
        message["view"] = view
        connection.socket.send(json.dumps(message))
    last = first_seq + len(views) - 1
    page.wait_for_function(
        f"window.__screenChecks.some((check) => check.seq === {last})", timeout=240_000
    )
    by_seq = {check["seq"]: check for check in page.evaluate("window.__screenChecks")}
    return [by_seq[seq] for seq in range(first_seq, last + 1)]


@pytest.mark.parametrize("lang", LANGS)
def test_every_pack_question_fits_the_big_screen(browser: Any, lang: str) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.start()
    server = FakeServer(scene)
    width, height = VIEWPORTS[0]
    context = browser.new_context(viewport={"width": width, "height": height})
    server.install(context)
    context.add_init_script(MEASURE)
    page = context.new_page()
    page.goto(f"{ORIGIN}/screen/bsq-test?lang={lang}#token=st_jelgava")
    page.wait_for_function("window.__screenChecks.length >= 1")
    views = all_views()
    failures: list[str] = []
    seq = scene.seq + 1
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        checks = push_all(server, page, seq)
        seq += len(views)
        smallest = min((check["textPx"] or 99.0) for check in checks)
        print(f"{lang} {width}x{height}: {len(checks)} views, smallest question text {smallest} px")
        for (label, _), check in zip(views, checks, strict=True):  # one per view, in order
            if check["problems"]:
                failures.append(f"{lang} {width}x{height} {label}: {'; '.join(check['problems'])}")
            # a question stays readable from the back of the hall
            if check["textPx"] is not None and check["textPx"] < height / 60:
                failures.append(f"{lang} {width}x{height} {label}: text {check['textPx']} px")
    context.close()
    assert not failures, f"{len(failures)} views do not fit:\n" + "\n".join(failures[:40])


def test_pause_overlays_the_screen_without_hiding_the_question(browser: Any) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.start().buzzer_open().photo_finish()
    scene.wait(300 * MS).run(c.Pause)
    server = FakeServer(scene)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    server.install(context)
    page = context.new_page()
    page.goto(f"{ORIGIN}/screen/bsq-test?lang=lv#token=st_jelgava")
    banner = page.locator("[data-paused]")
    banner.wait_for(state="visible")
    text = page.locator("[data-question-text]").bounding_box()
    buzz = page.locator("[data-buzz]").bounding_box()
    box = banner.bounding_box()
    assert text is not None and buzz is not None and box is not None
    for covered in (text, buzz):
        apart = (
            box["y"] + box["height"] <= covered["y"]
            or covered["y"] + covered["height"] <= box["y"]
            or box["x"] + box["width"] <= covered["x"]
            or covered["x"] + covered["width"] <= box["x"]
        )
        assert apart, f"the Paused banner {box} covers {covered}"
    screenshot(page, "screen-paused-lv-1280")
    scene.wait(S).run(c.Resume)
    context.close()


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_podium_and_final_scores_fit(browser: Any, width: int, height: int) -> None:
    scene = Scene(int(time.time() * 1_000_000))
    scene.start().buzzer_open().photo_finish().judge_answering(True).reveal().finish()
    server = FakeServer(scene)
    context = browser.new_context(viewport={"width": width, "height": height})
    server.install(context)
    page = context.new_page()
    page.goto(f"{ORIGIN}/screen/bsq-test?lang=lt#token=st_jelgava")
    page.locator("[data-screen-podium]").wait_for()
    page.locator("[data-scoreboard-rows] tr").nth(2).wait_for()
    sizes = page.evaluate(
        """(() => { const main = document.querySelector("main");
        const board = document.querySelector("[data-scoreboard]").getBoundingClientRect();
        return [document.scrollingElement.scrollHeight, main.scrollHeight, main.clientHeight,
                board.bottom]; })()"""
    )
    page_height, main_content, main_room, board_bottom = sizes
    assert page_height <= height and main_content <= main_room + 1 and board_bottom <= height
    screenshot(page, f"screen-final-lt-{width}")
    context.close()
