"""The admin area and the results page: typed contexts and their rendering.

Theory of operation
-------------------
Like the contest pages (``displays.pages``), each page is a skeleton rendered from one frozen
context with exactly its fields, by the same Jinja environment (autoescape, strict undefined).
Its JavaScript (``static/js/admin.js``, ``static/js/results.js``) reads the embedded
``#page-config`` JSON and fills the skeleton from the HTTP API (docs/api.md): the admin area
from ``/api/admin/…``, the results page from ``/api/contests/{id}/results`` with the host secret
or admin token kept in the tab's sessionStorage, or else from the public results.

The texts are the common catalogue plus ``displays.messages.after`` in the page's language
(``after_catalogue``, ``after_plurals``).
No secret passes through here.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final, Literal
from urllib.parse import quote

from displays.messages import (
    LANGUAGE_NAMES,
    LANGUAGES,
    Lang,
    after_catalogue,
    after_plurals,
    choose_language,
)
from displays.pages import STATIC_URL, LanguageLink, context_variables, environment

AfterKind = Literal["admin", "results"]
AFTER_PATHS: Final[dict[AfterKind, str]] = {"admin": "/admin", "results": "/results/{}"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class AfterPage:
    """The fields of the admin and results pages (those of ``displays.pages.Page``).

    Attributes:
        page: ``admin`` or ``results``; selects the template and the JavaScript module.
        lang: the interface language.
        contest_id: the contest of the results page ('' in the admin area).
        contest_title: its title ('' if unknown).
        page_title: the document title.
        t: the interface texts of ``lang`` (the common catalogue and the after-contest texts).
        static_url: where the static assets are mounted.
        languages: the language switch.
        client: the JSON configuration for the page's JavaScript: page, contest_id, lang,
            languages, messages (= ``t``), plurals, static_url.
    """

    page: AfterKind
    lang: Lang
    contest_id: str
    contest_title: str
    page_title: str
    t: dict[str, str]
    static_url: str
    languages: tuple[LanguageLink, ...]
    client: dict[str, Any]


def after_path(kind: AfterKind, contest_id: str = "") -> str:
    """The URL path of the admin area or a contest's results page."""
    return AFTER_PATHS[kind].format(quote(contest_id, safe=""))


def after_context(
    kind: AfterKind, *, lang: str, contest_id: str = "", contest_title: str = ""
) -> AfterPage:
    """The context of the admin area (``admin``) or a contest's results page (``results``)."""
    language = choose_language(lang)
    texts = after_catalogue(language)
    if kind == "admin":
        contest_id, contest_title = "", ""
    heading = texts["page_admin" if kind == "admin" else "page_results"]
    named = contest_title or contest_id
    path = after_path(kind, contest_id)
    return AfterPage(
        page=kind,
        lang=language,
        contest_id=contest_id,
        contest_title=contest_title,
        page_title=f"{heading} — {named or texts['app_name']}",
        t=texts,
        static_url=STATIC_URL,
        languages=tuple(
            LanguageLink(
                code=code,
                name=LANGUAGE_NAMES[code],
                href=f"{path}?lang={code}",
                current=code == language,
            )
            for code in LANGUAGES
        ),
        client={
            "page": kind,
            "contest_id": contest_id,
            "lang": language,
            "languages": list(LANGUAGES),
            "messages": texts,
            "plurals": after_plurals(language),
            "static_url": STATIC_URL,
        },
    )


def render_after(
    kind: AfterKind, *, lang: str, contest_id: str = "", contest_title: str = ""
) -> str:
    """The HTML of the admin area or a results page."""
    context = after_context(kind, lang=lang, contest_id=contest_id, contest_title=contest_title)
    template = environment().get_template(f"{kind}.html")
    return template.render(context_variables(context))  # type: ignore[arg-type]
