"""The contest's browser pages: host console, team tablet, big screen, audience scoreboard, index.

The server mounts ``STATIC_DIR`` at ``/static`` and answers the page routes with ``render_page``
(see ``displays.pages``). Interface texts live in ``displays.messages`` (lv, lt, en).
"""

from __future__ import annotations

from displays.messages import LANGUAGES, Lang, choose_language
from displays.pages import (
    PAGE_KINDS,
    STATIC_DIR,
    STATIC_URL,
    PageKind,
    page_context,
    page_path,
    render,
    render_page,
)

__all__ = [
    "LANGUAGES",
    "PAGE_KINDS",
    "STATIC_DIR",
    "STATIC_URL",
    "Lang",
    "PageKind",
    "choose_language",
    "page_context",
    "page_path",
    "render",
    "render_page",
]
