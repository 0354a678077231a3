"""The interface texts in Latvian, Lithuanian and English, from gettext catalogs (Babel).

Theory of operation
-------------------
Every text a page shows that does not come from the contest itself (question texts, team names and
round titles arrive in the views as per-language maps) has a *key*. Its English text is written in
the source (``displays.messages.source`` for the contest pages, ``displays.messages.after`` for the
admin area and the results page, as ``text(key, english)`` or ``plural(key, one, other)``); the
translations are gettext catalogs, ``displays/locale/<lang>/LC_MESSAGES/messages.po``, where each
entry's context is the key and its ``msgid`` the English text — the format translators and their
tools (Poedit, Weblate, Lokalize) use. ``make messages`` extracts the source into
``displays/locale/messages.pot`` with Babel, updates the catalogs and compiles them to ``.mo``,
which is what is read here (with Babel's ``read_mo``). ``tests/displays/test_messages.py`` fails
on a text that is missing, untranslated or fuzzy, on placeholders that disagree, and on a catalog
that was not compiled again.

A text that counts (``plural``) has one form per CLDR plural category of its language, in CLDR's
order (``PLURAL_ORDER``): Latvian ``zero/one/other`` ("10 jautājumu", "1 jautājums",
"2 jautājumi"), Lithuanian ``one/few/many/other`` ("1 klausimas", "2 klausimai", "1,5 klausimo",
"10 klausimų"), English ``one/other``. Each catalog's ``Plural-Forms`` header is CLDR's rule for
whole numbers written for gettext (Lithuanian's ``many`` is for fractions only, so gettext never
picks it); a test checks header and CLDR agree from 0 to 1000. The pages get each counting text's
forms by category and pick one with the browser's ``Intl.PluralRules`` (``tn`` in ``i18n.js``),
which follows the same CLDR rules, fractions included.

The templates read ``catalogue(lang)`` directly; the page also embeds it (and ``plurals(lang)``) as
JSON so that its JavaScript renders live updates with the very same texts. ``{name}`` placeholders
are filled by the JavaScript (``i18n.js``) — Python never formats them.

Error texts are ``error_<code>`` for every stable error code of docs/protocol.md §4 (and the HTTP
API's codes), so a page shows a refused command in its own language.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final, Literal, get_args

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo

from displays.messages.after import AFTER_SOURCE
from displays.messages.entries import Entry
from displays.messages.source import SOURCE

Lang = Literal["lv", "lt", "en"]
LANGUAGES: Final[tuple[Lang, ...]] = get_args(Lang)
DEFAULT_LANGUAGE: Final[Lang] = "lv"
SOURCE_LANGUAGE: Final[Lang] = "en"
"""The language the source texts are written in: it has no catalog of its own."""
LANGUAGE_NAMES: Final[dict[Lang, str]] = {"lv": "Latviešu", "lt": "Lietuvių", "en": "English"}
"""Each language's name in that language, for the language switch."""
LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"
DOMAIN: Final = "messages"
PLURAL_ORDER: Final = ("zero", "one", "two", "few", "many", "other")
"""CLDR's plural categories in the order a catalog's forms follow (those of its language only)."""

Messages = dict[str, str]
"""Interface texts by key."""
Plurals = dict[str, dict[str, str]]
"""Counting texts by key: each form by CLDR plural category (``one``, ``few``, ``other`` …)."""


def choose_language(value: str | None) -> Lang:
    """The page language for a ``?lang=`` value (lv, lt, en); anything else gives ``lv``."""
    for lang in LANGUAGES:
        if value == lang:
            return lang
    return DEFAULT_LANGUAGE


def catalog_path(lang: Lang, suffix: str = ".mo") -> Path:
    """Where the compiled (``.mo``) or editable (``.po``) catalog of ``lang`` is."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def plural_categories(lang: Lang) -> list[str]:
    """The CLDR plural categories of ``lang``, in the order of its catalog's plural forms."""
    tags = Locale.parse(lang).plural_form.tags | {"other"}
    return [tag for tag in PLURAL_ORDER if tag in tags]


@functools.cache
def compiled(lang: Lang) -> Catalog | None:
    """The compiled catalog of ``lang``; ``None`` for English, the source language.

    Raises:
        FileNotFoundError: the catalog was not compiled (``make messages``).
    """
    if lang == SOURCE_LANGUAGE:
        return None
    with catalog_path(lang).open("rb") as mo:
        return read_mo(mo)


def _forms(lang: Lang, entry: Entry) -> list[str]:
    """The texts of ``entry`` in ``lang``: one, or one per plural form; English if missing."""
    english = [entry.text] if entry.plural_text is None else [entry.text, entry.plural_text]
    catalog = compiled(lang)
    if catalog is None:
        return english
    msgid = entry.text if entry.plural_text is None else (entry.text, entry.plural_text)
    message = catalog.get(msgid, context=entry.key)
    if message is None:
        return english
    string = message.string
    found = [string] if isinstance(string, str) else list(string or ())
    return found if found and all(found) else english


def _texts(lang: Lang, entries: tuple[Entry, ...]) -> Messages:
    return {e.key: _forms(lang, e)[0] for e in entries if e.plural_text is None}


def _plurals(lang: Lang, entries: tuple[Entry, ...]) -> Plurals:
    plurals: Plurals = {}
    for entry in entries:
        if entry.plural_text is not None:
            forms = _forms(lang, entry)
            categories = plural_categories(lang)
            if len(forms) != len(categories):  # not translated: English's one and other
                categories = ["one", "other"]
            plurals[entry.key] = dict(zip(categories, forms, strict=True))
    return plurals


@functools.cache
def _catalogue(lang: Lang) -> Messages:
    return _texts(lang, SOURCE)


def catalogue(lang: Lang) -> Messages:
    """The contest pages' texts in ``lang`` (a fresh dict: callers may add to it)."""
    return dict(_catalogue(lang))


@functools.cache
def plurals(lang: Lang) -> Plurals:
    """The contest pages' counting texts in ``lang``."""
    return _plurals(lang, SOURCE)


def after_catalogue(lang: Lang) -> Messages:
    """The admin area's and results page's texts in ``lang``: the contest pages' and their own."""
    return {**_catalogue(lang), **_texts(lang, AFTER_SOURCE)}


def after_plurals(lang: Lang) -> Plurals:
    """The admin area's and results page's counting texts in ``lang``."""
    return {**plurals(lang), **_plurals(lang, AFTER_SOURCE)}
