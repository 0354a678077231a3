"""Interface texts of the contest pages in Latvian, Lithuanian and English (see ``catalogue``)."""

from __future__ import annotations

from displays.messages.catalogue import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    Lang,
    Messages,
    Plurals,
    after_catalogue,
    after_plurals,
    catalogue,
    choose_language,
    plurals,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "Lang",
    "Messages",
    "Plurals",
    "after_catalogue",
    "after_plurals",
    "catalogue",
    "choose_language",
    "plurals",
]
