"""One interface text of the source catalogs (``displays.messages.source``, ``.after``).

``text(key, english)`` and ``plural(key, one, other)`` are the marks ``pybabel extract`` looks
for (``make messages``: keywords ``text:1c,2`` and ``plural:1c,2,3``): the key becomes the gettext
entry's context, the English text its ``msgid`` (and ``msgid_plural``). A key names a text where
it is used (templates, JavaScript, tests) and never changes when the English wording does.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    """A key and its English text; ``plural_text`` is set for a text that counts (``{n}``)."""

    key: str
    text: str
    plural_text: str | None = None


def text(key: str, english: str) -> Entry:
    """A text without plural forms."""
    return Entry(key, english)


def plural(key: str, one: str, other: str) -> Entry:
    """A text that counts: English singular and plural; each language has its CLDR forms."""
    return Entry(key, one, other)
