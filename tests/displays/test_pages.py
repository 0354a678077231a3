"""The pages render from their typed contexts, in every language, with everything escaped."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from html.parser import HTMLParser

import jinja2
import pytest
from jinja2 import meta

from displays import PAGE_KINDS, STATIC_DIR, render_page
from displays.messages import LANGUAGES, catalogue
from displays.pages import (
    PAGE_CLASSES,
    TEMPLATE_NAMES,
    HostPage,
    Page,
    TabletPage,
    environment,
    page_context,
    page_path,
    render,
)
from game.model import GENERATIONS

EVIL = '<script>alert("x")</script>'


class _Elements(HTMLParser):
    """Every start tag with its attributes, and the text of the page-config script."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.config_text = ""
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._in_config = tag == "script" and attributes.get("id") == "page-config"

    def handle_endtag(self, tag: str) -> None:
        self._in_config = False

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config_text += data

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            attrs
            for name, attrs in self.tags
            if name == tag and all(attrs.get(k.replace("_", "-")) == v for k, v in wanted.items())
        ]


def parse(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def _template_variables(name: str) -> set[str]:
    """Names a template and everything it extends or includes read from the context."""
    env = environment()
    seen: set[str] = set()
    names: set[str] = set()
    queue = [name]
    while queue:
        current = queue.pop()
        if current in seen:
            continue
        seen.add(current)
        source = env.loader.get_source(env, current)[0]  # type: ignore[union-attr]
        tree = env.parse(source)
        names |= meta.find_undeclared_variables(tree)
        queue.extend(n for n in meta.find_referenced_templates(tree) if n)
    return names


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_context_field_is_used_and_every_template_name_is_a_field(kind: str) -> None:
    fields = {f.name for f in dataclasses.fields(PAGE_CLASSES[kind])}  # type: ignore[index]
    used = _template_variables(TEMPLATE_NAMES[kind])  # type: ignore[index]
    assert used == fields


@pytest.mark.parametrize("kind", PAGE_KINDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_renders_in_every_language(kind: str, lang: str) -> None:
    html = render_page(kind, contest_id="bsq-2026", lang=lang, contest_title="Baltic 2026")  # type: ignore[arg-type]
    page = parse(html)
    t = catalogue(lang)  # type: ignore[arg-type]
    assert page.find("html", lang=lang)
    assert page.find("body", data_page=kind)
    assert page.find("script", type="module", src=f"/static/js/{kind}.js")
    assert t["app_name"] in html
    current = page.find("a", aria_current="true")
    assert [a["data-lang-link"] for a in current] == [lang]


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_embedded_configuration_is_the_context_client(kind: str) -> None:
    context = page_context(kind, contest_id="bsq-2026", lang="lt")  # type: ignore[arg-type]
    config = json.loads(parse(render(context)).config_text)
    assert config == json.loads(json.dumps(dataclasses.asdict(context.client)))
    assert config["messages"] == dict(catalogue("lt"))


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_contest_title_and_id_are_escaped(kind: str) -> None:
    html = render_page(kind, contest_id=f"x{EVIL}", lang="en", contest_title=EVIL)  # type: ignore[arg-type]
    assert "<script>alert" not in html
    assert "</script>alert" not in html
    if kind != "index":
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        page = parse(html)
        # The id survives, unescaped, inside the JSON the page's JavaScript reads.
        assert json.loads(page.config_text)["contest_id"] == f"x{EVIL}"


def test_unknown_language_falls_back_to_latvian() -> None:
    html = render_page("screen", contest_id="c1", lang="de")
    assert parse(html).find("html", lang="lv")
    assert catalogue("lv")["app_name"] in html


def test_unknown_page_is_refused() -> None:
    with pytest.raises(ValueError, match="no page"):
        render_page("lobby", contest_id="c1", lang="lv")  # type: ignore[arg-type]


def test_contexts_are_frozen_and_typed() -> None:
    context = page_context("host", contest_id="c1", lang="en")
    assert isinstance(context, HostPage)
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.lang = "lv"  # type: ignore[misc]
    for cls in PAGE_CLASSES.values():
        assert issubclass(cls, Page)
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_a_name_missing_from_the_context_is_an_error() -> None:
    template = environment().from_string("{{ nowhere }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render()


def test_autoescape_is_on() -> None:
    assert environment().from_string("{{ x }}").render(x=EVIL) == (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"
    )


def test_environment_is_created_on_first_use_not_at_import() -> None:
    code = (
        "import displays, displays.pages as p; "
        "assert p.environment.cache_info().currsize == 0; "
        "displays.render_page('index', contest_id='', lang='en'); "
        "assert p.environment.cache_info().currsize == 1"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_every_static_asset_a_page_links_exists(kind: str) -> None:
    page = parse(render_page(kind, contest_id="c1", lang="en"))  # type: ignore[arg-type]
    links = [a.get("src") or a.get("href") for _, a in page.tags]
    static = [link for link in links if link and link.startswith("/static/")]
    assert static
    for link in static:
        assert (STATIC_DIR / link.removeprefix("/static/")).is_file(), link
    # Every module the page's script imports exists too.
    for link in static:
        if link.endswith(".js"):
            source = (STATIC_DIR / link.removeprefix("/static/")).read_text(encoding="utf-8")
            for imported in re.findall(r'from "\./([\w.]+)"', source):
                assert (STATIC_DIR / "js" / imported).is_file(), imported


def test_page_paths_match_the_server_routes() -> None:
    assert page_path("host", "bsq-2026") == "/host/bsq-2026"
    assert page_path("tablet", "bsq-2026") == "/play/bsq-2026"
    assert page_path("screen", "bsq-2026") == "/screen/bsq-2026"
    assert page_path("audience", "bsq-2026") == "/watch/bsq-2026"
    assert page_path("index", "bsq-2026") == "/"
    assert page_path("screen", "a/b?c") == "/screen/a%2Fb%3Fc"


def test_language_links_stay_on_the_same_page() -> None:
    context = page_context("screen", contest_id="bsq-2026", lang="lv")
    assert [link.href for link in context.languages] == [
        "/screen/bsq-2026?lang=lv",
        "/screen/bsq-2026?lang=lt",
        "/screen/bsq-2026?lang=en",
    ]
    assert [link.name for link in context.languages] == ["Latviešu", "Lietuvių", "English"]


PROTOCOL_PARAMETERLESS_COMMANDS = {
    "start_contest",
    "start_round",
    "show_question",
    "open_buzzers",
    "lock_answers",
    "undo_judgement",
    "reveal",
    "next_question",
    "skip_question",
    "end_round",
    "pause",
    "resume",
    "start_tiebreak",
    "end_contest",
}


def test_host_console_has_a_button_for_every_parameterless_command() -> None:
    page = parse(render_page("host", contest_id="c1", lang="lv"))
    buttons = {a["data-command"] for _, a in page.tags if a.get("data-command")}
    assert buttons == PROTOCOL_PARAMETERLESS_COMMANDS
    # Ending the contest, ending a round and skipping ask first.
    confirmed = {a["data-command"] for _, a in page.tags if a.get("data-confirm")}
    assert confirmed == {"end_contest", "end_round", "skip_question"}


def test_host_secret_field_can_never_be_submitted_in_a_url() -> None:
    page = parse(render_page("host", contest_id="c1", lang="en"))
    (field,) = page.find("input", id="host-secret")
    assert "name" not in field
    assert field["type"] == "password"
    forms = [a for tag, a in page.tags if tag == "form"]
    assert all("action" not in a and a.get("method") in (None, "post") for a in forms)


def test_tablet_offers_every_generation_and_none() -> None:
    context = page_context("tablet", contest_id="c1", lang="lt")
    assert isinstance(context, TabletPage)
    assert [g.value for g in context.generations] == ["", *GENERATIONS]
    page = parse(render(context))
    assert [a["value"] for a in page.find("option")] == ["", *GENERATIONS]
