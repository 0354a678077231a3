"""No emoji or symbol-font glyphs as icons on the big screen, the audience page and the tablet.

The venues' Linux PCs have no emoji font, and often no symbol font: a glyph like ⏱, 🔔, ◐ or ★
comes out as an empty box. Their icons are inline SVG (aria-hidden) or plain text; the only
non-letters these pages' files may hold are punctuation and shapes that Liberation Sans and
DejaVu Sans (the fonts every such PC has) both draw.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from displays import STATIC_DIR

TEMPLATES = STATIC_DIR.parent / "templates"
PAGE_FILES = [
    *(TEMPLATES / name for name in ("screen.html", "audience.html", "tablet.html", "_base.html")),
    *(TEMPLATES / name for name in ("_header.html", "_question.html", "_countdown.html")),
    *(TEMPLATES / name for name in ("_scoreboard.html", "_sound.html", "_toasts.html")),
    *(STATIC_DIR / "js" / f"{name}.js" for name in ("screen", "screen_check", "screen_photo")),
    *(STATIC_DIR / "js" / f"{name}.js" for name in ("sounds", "audience", "tablet", "render")),
    *(STATIC_DIR / "js" / f"{name}.js" for name in ("lobby", "fit", "a11y")),
    STATIC_DIR / "css" / "quiz.css",
    STATIC_DIR / "css" / "photo_finish.css",
    STATIC_DIR / "css" / "after.css",
]
# Latin-1 (§, ±, ·, × …) and the punctuation and shapes both fonts have: dashes, quotes, ellipsis,
# bullet, arrows, minus, the up/down triangles of the ordering buttons and the PIN's dots
SAFE = {chr(code) for code in range(0xA0, 0x100)} | set("–—‘’“”„…•→←−▲▼●\u202f")


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_a_page_uses_no_glyph_a_venue_pc_may_lack(path: Path) -> None:
    unsafe = {
        f"{char} U+{ord(char):04X} line {number}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for char in line
        if ord(char) > 0x7F and char not in SAFE and not unicodedata.category(char).startswith("L")
    }
    assert not unsafe, sorted(unsafe)
