"""The contest pages: one frozen, typed context class per page and the function that renders it.

Theory of operation
-------------------
The server answers ``GET /host/{id}``, ``/play/{id}``, ``/screen/{id}``, ``/watch/{id}`` and ``/``
with ``render_page(kind, contest_id=…, lang=…, contest_title=…)``. That builds the page's context
(``HostPage``, ``TabletPage``, ``ScreenPage``, ``AudiencePage`` or ``IndexPage``) and renders the
page's template with exactly the context's fields — nothing else is in scope, and Jinja's
``StrictUndefined`` turns a name the context lacks into an error. ``tests/displays`` checks that
every field is used and every name a template uses is a field (datasette's documented contexts).

A page is a skeleton: the contest itself arrives over the WebSocket (docs/protocol.md) and the
page's JavaScript module (``static/js/<kind>.js``) fills the skeleton in from each view message.
The skeleton's repeated parts (a scoreboard row, an answer form) are ``<template>`` elements in the
partials, so the first render and every live update have the same shape. The context's ``client``
(``ClientConfig``) is embedded as JSON and carries the same interface texts the template used.

Secrets never pass through here: the host secret and the player token live in the browser
(sessionStorage / localStorage) and go to the server only in the WebSocket ``hello``.

The Jinja environment is created on first use (``environment()``), never at import.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any, Final, Literal, get_args
from urllib.parse import quote

import jinja2

from displays.messages import (
    LANGUAGE_NAMES,
    LANGUAGES,
    Lang,
    Messages,
    Plurals,
    catalogue,
    choose_language,
    plurals,
)

PageKind = Literal["host", "tablet", "screen", "audience", "index", "kiosk"]
PAGE_KINDS: Final[tuple[PageKind, ...]] = get_args(PageKind)

PACKAGE_DIR: Final = Path(__file__).resolve().parent
STATIC_DIR: Final[Path] = PACKAGE_DIR / "static"
"""Mounted by the server at ``STATIC_URL``."""
TEMPLATE_DIR: Final[Path] = PACKAGE_DIR / "templates"
STATIC_URL: Final = "/static"

_PATHS: Final[dict[PageKind, str]] = {
    "host": "/host/{}",
    "tablet": "/play/{}",
    "screen": "/screen/{}",
    "audience": "/watch/{}",
    "index": "/",
    "kiosk": "/kiosk/{}",
}
_TITLE_KEYS: Final[dict[PageKind, str]] = {
    "host": "page_host",
    "tablet": "page_tablet",
    "screen": "page_screen",
    "audience": "page_audience",
    "index": "page_index",
    "kiosk": "page_kiosk",
}


def page_path(kind: PageKind, contest_id: str) -> str:
    """The URL path of a contest's page (the index page ignores ``contest_id``)."""
    return _PATHS[kind].format(quote(contest_id, safe=""))


@dataclasses.dataclass(frozen=True, kw_only=True)
class LanguageLink:
    """One entry of the language switch: the same page in another language."""

    code: Lang
    name: str
    href: str
    current: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """What the page's JavaScript reads from the embedded ``#page-config`` JSON.

    Attributes:
        page: which page this is.
        contest_id: the contest the page follows ('' on the index page).
        lang: the interface language.
        languages: every interface language, in the switch's order.
        messages: the interface texts of ``lang`` — the same catalogue the template used.
        plurals: the counting texts of ``lang``, each form by CLDR plural category.
        static_url: where the static assets are mounted.
    """

    page: PageKind
    contest_id: str
    lang: Lang
    languages: tuple[Lang, ...]
    messages: Messages
    plurals: Plurals
    static_url: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Page:
    """The fields every page has.

    Attributes:
        page: which page this is; selects the template and the JavaScript module.
        lang: the interface language (``<html lang>``).
        contest_id: the contest the page follows ('' on the index page).
        contest_title: the contest's title as the server knows it ('' if unknown); the view's
            title replaces it once the page is connected.
        page_title: the document title.
        t: the interface texts of ``lang``.
        static_url: where the static assets are mounted.
        languages: the language switch.
        client: the JSON configuration for the page's JavaScript.
    """

    page: PageKind
    lang: Lang
    contest_id: str
    contest_title: str
    page_title: str
    t: Messages
    static_url: str
    languages: tuple[LanguageLink, ...]
    client: ClientConfig


@dataclasses.dataclass(frozen=True, kw_only=True)
class HostCommand:
    """A host button that sends a command without parameters (docs/protocol.md §3.4).

    Attributes:
        type: the ``command.type`` sent.
        label: the button's text.
        confirm: a question to confirm before sending, or '' to send at once.
        group: ``contest``, ``round`` or ``question`` — where the button sits.
        key: the keyboard shortcut, one letter (docs/displays.md, "Keyboard shortcuts").
    """

    type: str
    label: str
    confirm: str
    group: Literal["contest", "round", "question"]
    key: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class HostPage(Page):
    """The host console.

    Attributes:
        commands: the parameterless command buttons; ``judge``, ``adjust_score`` and
            ``start_round`` with an index are built from the view by ``host.js``.
    """

    commands: tuple[HostCommand, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Choice:
    """One option of a select field: the value sent and the text shown."""

    value: str
    label: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class TabletPage(Page):
    """A team tablet.

    Attributes:
        generations: the generation choices of the join form ('' = not given).
    """

    generations: tuple[Choice, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScreenPage(Page):
    """A venue's big screen (display role)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AudiencePage(Page):
    """The online audience's live scoreboard (audience role; ``?delay=`` seconds)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class KioskPage(Page):
    """A venue's registration kiosk (docs/displays.md, "The registration kiosk"); its token
    arrives in the link's fragment and its teams from ``GET …/kiosk``.

    Attributes:
        generations: the generation buttons (child, adult, senior).
        pin_keys: the keys of the on-screen PIN pad, row by row ('<' erases one digit).
    """

    generations: tuple[Choice, ...]
    pin_keys: tuple[str, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class PageLink:
    """A contest page the index offers: its kind, label and path pattern (``{id}``)."""

    kind: PageKind
    label: str
    path: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class IndexPage(Page):
    """The start page: type a contest id, open one of its pages.

    Attributes:
        links: the contest pages, in the order shown.
    """

    links: tuple[PageLink, ...]


PAGE_CLASSES: Final[dict[PageKind, type[Page]]] = {
    "host": HostPage,
    "tablet": TabletPage,
    "screen": ScreenPage,
    "audience": AudiencePage,
    "index": IndexPage,
    "kiosk": KioskPage,
}
TEMPLATE_NAMES: Final[dict[PageKind, str]] = {kind: f"{kind}.html" for kind in PAGE_KINDS}


def host_commands(t: Messages) -> tuple[HostCommand, ...]:
    """The host console's parameterless command buttons, in the order a contest uses them, each
    with its keyboard shortcut (pause and resume share theirs: only one of them applies)."""

    def command(
        type_: str, group: Literal["contest", "round", "question"], key: str, confirm: str = ""
    ) -> HostCommand:
        label = t[f"cmd_{type_}"]
        return HostCommand(type=type_, label=label, confirm=confirm, group=group, key=key)

    return (
        command("start_contest", "contest", "G"),
        command("pause", "contest", "P"),
        command("resume", "contest", "P"),
        command("start_tiebreak", "contest", "T"),
        command("end_contest", "contest", "X", t["confirm_end_contest"]),
        command("start_round", "round", "O"),
        command("end_round", "round", "E", t["confirm_end_round"]),
        command("show_question", "question", "Q"),
        command("open_buzzers", "question", "B"),
        command("lock_answers", "question", "L"),
        command("reveal", "question", "R"),
        command("next_question", "question", "N"),
        command("undo_judgement", "question", "U"),
        command("skip_question", "question", "S", t["confirm_skip_question"]),
    )


def page_context(kind: PageKind, *, contest_id: str, lang: str, contest_title: str = "") -> Page:
    """Build the typed context of a page.

    Args:
        kind: ``host``, ``tablet``, ``screen``, ``audience`` or ``index``.
        contest_id: the contest in the URL ('' for the index page).
        lang: the ``?lang=`` value; anything but ``lv``, ``lt`` or ``en`` gives Latvian.
        contest_title: the contest's title, if the server knows it.

    Raises:
        ValueError: ``kind`` is not a page.
    """
    if kind not in PAGE_CLASSES:
        raise ValueError(f"no page {kind!r}; pages are {', '.join(PAGE_KINDS)}")
    language = choose_language(lang)
    t = catalogue(language)
    if kind == "index":
        contest_id = ""
    path = page_path(kind, contest_id)
    heading = t[_TITLE_KEYS[kind]]
    named = contest_title or contest_id
    common: dict[str, Any] = {
        "page": kind,
        "lang": language,
        "contest_id": contest_id,
        "contest_title": contest_title,
        "page_title": f"{heading} — {named}" if named else f"{heading} — {t['app_name']}",
        "t": t,
        "static_url": STATIC_URL,
        "languages": tuple(
            LanguageLink(
                code=code,
                name=LANGUAGE_NAMES[code],
                href=f"{path}?lang={code}",
                current=code == language,
            )
            for code in LANGUAGES
        ),
        "client": ClientConfig(
            page=kind,
            contest_id=contest_id,
            lang=language,
            languages=LANGUAGES,
            messages=t,
            plurals=plurals(language),
            static_url=STATIC_URL,
        ),
    }
    if kind == "host":
        return HostPage(**common, commands=host_commands(t))
    if kind == "tablet":
        generations = (
            Choice(value="", label=t["gen_none"]),
            Choice(value="child", label=t["gen_child"]),
            Choice(value="teen", label=t["gen_teen"]),
            Choice(value="adult", label=t["gen_adult"]),
            Choice(value="senior", label=t["gen_senior"]),
        )
        return TabletPage(**common, generations=generations)
    if kind == "screen":
        return ScreenPage(**common)
    if kind == "audience":
        return AudiencePage(**common)
    if kind == "kiosk":
        return KioskPage(
            **common,
            generations=(
                Choice(value="child", label=t["gen_child"]),
                Choice(value="adult", label=t["gen_adult"]),
                Choice(value="senior", label=t["gen_senior"]),
            ),
            pin_keys=("1", "2", "3", "4", "5", "6", "7", "8", "9", "<", "0", "ok"),
        )
    links = tuple(
        PageLink(kind=k, label=t[_TITLE_KEYS[k]], path=_PATHS[k])
        for k in ("screen", "tablet", "audience", "host")
    )
    return IndexPage(**common, links=links)


def context_variables(context: Page) -> dict[str, object]:
    """The template variables of a page: its context's fields, one level deep."""
    return {f.name: getattr(context, f.name) for f in dataclasses.fields(context)}


def _jsonable(value: object) -> object:
    """``json.dumps`` fallback: dataclasses become dicts, tuples already are lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


@functools.cache
def environment() -> jinja2.Environment:
    """The pages' Jinja environment (autoescaping, strict undefined), created on first use."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.policies["json.dumps_kwargs"] = {
        "sort_keys": True,
        "ensure_ascii": False,
        "default": _jsonable,
    }
    return env


def render(context: Page) -> str:
    """Render a page from its context."""
    template = environment().get_template(TEMPLATE_NAMES[context.page])
    return template.render(context_variables(context))


def render_page(kind: PageKind, *, contest_id: str, lang: str, contest_title: str = "") -> str:
    """The HTML of a contest page, for the server's page routes.

    Args:
        kind: ``host`` (``/host/{id}``), ``tablet`` (``/play/{id}``), ``screen``
            (``/screen/{id}``), ``audience`` (``/watch/{id}``) or ``index`` (``/``).
        contest_id: the contest in the URL; escaped wherever it appears.
        lang: the ``?lang=`` value (``lv``, ``lt`` or ``en``; anything else gives Latvian).
        contest_title: the contest's title, if known; escaped.

    Raises:
        ValueError: ``kind`` is not a page.
    """
    return render(page_context(kind, contest_id=contest_id, lang=lang, contest_title=contest_title))
