"""The interface texts: the gettext catalogs translate every text of the source, completely,
with the same placeholders, compiled, with CLDR's plural forms; every key a page asks for exists.

A test here fails when a text is added or changed in displays/messages/source.py or after.py and
``make messages`` was not run, or a translator has not translated it yet (docs/displays.md,
"Translations").
"""

from __future__ import annotations

import gettext
import io
import re
import string
from pathlib import Path
from typing import get_args

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import game.errors
from displays import STATIC_DIR
from displays.messages import LANGUAGES, catalogue, choose_language, plurals
from displays.messages.after import AFTER_SOURCE
from displays.messages.catalogue import LOCALE_DIR, catalog_path, plural_categories
from displays.messages.entries import Entry
from displays.messages.source import SOURCE
from game.phases import Phase
from game.questions import Verdict

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL = ROOT / "docs" / "protocol.md"
TEMPLATES = ROOT / "displays" / "templates"
TRANSLATED = ("lv", "lt")
ENTRIES: dict[str, Entry] = {e.key: e for e in (*SOURCE, *AFTER_SOURCE)}
KEYS = {e.key for e in SOURCE if e.plural_text is None}
PLURAL_KEYS = {e.key for e in SOURCE if e.plural_text is not None}
AFTER_KEYS = {e.key for e in AFTER_SOURCE}

# Texts that are the same in every language on purpose (symbols and placeholders only).
SAME_EVERYWHERE = {"tolerance", "joined_as", "pf_bound"}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _po(lang: str) -> Catalog:
    with catalog_path(lang, ".po").open("rb") as po:  # type: ignore[arg-type]
        return read_po(po)


def _entries(catalog: Catalog) -> dict[str, object]:
    return {m.context: m for m in catalog if m.id}


def test_every_key_is_written_once() -> None:
    keys = [e.key for e in (*SOURCE, *AFTER_SOURCE)]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", key) for key in keys)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_exactly_every_key(lang: str) -> None:
    messages = catalogue(lang)  # type: ignore[arg-type]
    assert set(messages) == KEYS
    assert all(isinstance(text, str) and text.strip() for text in messages.values())
    assert set(plurals(lang)) == PLURAL_KEYS  # type: ignore[arg-type]


def test_the_template_is_extracted_from_the_source() -> None:
    """messages.pot holds exactly the source's texts (``make messages`` was run)."""
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    extracted = {m.context: m.id for m in template if m.id}
    source = {
        key: e.text if e.plural_text is None else (e.text, e.plural_text)
        for key, e in ENTRIES.items()
    }
    assert {k: tuple(v) if isinstance(v, list) else v for k, v in extracted.items()} == source


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_catalog_translates_every_text(lang: str) -> None:
    """Each source text has its entry, translated (every plural form), not fuzzy, none left
    over; a changed English text is a new, untranslated entry until a translator fills it in."""
    catalog = _po(lang)
    assert not catalog.fuzzy
    entries = _entries(catalog)
    assert set(entries) == set(ENTRIES), "run `make messages`"
    untranslated, fuzzy, stale = [], [], []
    for key, entry in ENTRIES.items():
        message = entries[key]
        english = entry.text if entry.plural_text is None else (entry.text, entry.plural_text)
        msgid = tuple(message.id) if isinstance(message.id, list | tuple) else message.id  # type: ignore[attr-defined]
        if msgid != english:
            stale.append(key)
        forms = message.string  # type: ignore[attr-defined]
        forms = [forms] if isinstance(forms, str) else list(forms)
        if not all(form.strip() for form in forms):
            untranslated.append(key)
        if message.fuzzy:  # type: ignore[attr-defined]
            fuzzy.append(key)
    assert (untranslated, fuzzy, stale) == ([], [], [])


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalog_is_the_po_compiled(lang: str) -> None:
    """The server reads the .mo: it must be what ``pybabel compile`` makes of today's .po."""
    compiled = io.BytesIO()
    write_mo(compiled, _po(lang))
    assert catalog_path(lang).read_bytes() == compiled.getvalue(), "run `make messages`"  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_forms_follow_cldr(lang: str) -> None:
    """The catalog's Plural-Forms pick, for every whole number, the form of the CLDR category
    Babel gives that number; one form per CLDR category of the language."""
    catalog = _po(lang)
    categories = plural_categories(lang)  # type: ignore[arg-type]
    assert catalog.num_plurals == len(categories)
    pick = gettext.c2py(catalog.plural_expr)
    rule = Locale.parse(lang).plural_form
    wrong = [n for n in range(1001) if pick(n) != categories.index(rule(n))]
    assert wrong == []
    for key in PLURAL_KEYS:
        assert list(plurals(lang)[key]) == categories  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_placeholders_match_english(lang: str) -> None:
    entries = _entries(_po(lang))
    for key, entry in ENTRIES.items():
        forms = entries[key].string  # type: ignore[attr-defined]
        for form in [forms] if isinstance(forms, str) else forms:
            assert _placeholders(form) == _placeholders(entry.text), key


@pytest.mark.parametrize("lang", TRANSLATED)
def test_texts_are_translated(lang: str) -> None:
    english = catalogue("en")
    messages = catalogue(lang)  # type: ignore[arg-type]
    untranslated = {key for key in KEYS - SAME_EVERYWHERE if messages[key] == english[key]}
    assert untranslated == set()


@pytest.mark.parametrize(
    ("lang", "letters"),
    [("lv", "āēģīķļņšūž"), ("lt", "ąčęėįšųūž")],
)
def test_catalogues_use_their_languages_letters(lang: str, letters: str) -> None:
    text = " ".join(map(str, catalogue(lang).values())).lower()  # type: ignore[arg-type]
    assert {c for c in letters if c in text} == set(letters)


def test_lithuanian_has_no_latvian_only_letters_and_the_reverse() -> None:
    lt = " ".join(map(str, catalogue("lt").values())).lower()
    lv = " ".join(map(str, catalogue("lv").values())).lower()
    assert not set("āēīķļņģ") & set(lt)
    assert not set("ąęėįų") & set(lv)


def _protocol_error_codes() -> set[str]:
    """The codes of docs/protocol.md §4: the protocol-error table and the rule-error list."""
    text = PROTOCOL.read_text(encoding="utf-8")
    section = text.split("## 4. Errors and close codes", 1)[1].split("Close codes:", 1)[0]
    codes: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            codes |= set(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    rule_errors = section.split("Rule errors from the contest engine:", 1)[1]
    codes |= set(re.findall(r"`([a-z_]+)`", rule_errors))
    return codes


def test_every_protocol_error_code_has_a_text() -> None:
    codes = _protocol_error_codes()
    assert {"wrong_phase", "team_locked_out", "rate_limited"} <= codes
    missing = {code for code in codes if f"error_{code}" not in KEYS | AFTER_KEYS}
    assert missing == set()


def test_every_engine_rule_error_has_a_text() -> None:
    codes = {
        cls.code
        for cls in vars(game.errors).values()
        if isinstance(cls, type)
        and issubclass(cls, game.errors.RuleError)
        and cls is not game.errors.RuleError
    }
    assert codes
    assert {code for code in codes if f"error_{code}" not in KEYS} == set()


def test_every_phase_round_kind_verdict_and_status_has_a_text() -> None:
    assert {f"phase_{phase}" for phase in get_args(Phase)} <= KEYS
    assert {"kind_buzzer", "kind_all_play", "kind_estimation"} <= KEYS
    assert {f"verdict_{v.value}" for v in Verdict} <= KEYS
    assert {"contest_setup", "contest_running", "contest_finished"} <= KEYS


def _literal_keys_in_javascript() -> set[str]:
    keys: set[str] = set()
    for path in (STATIC_DIR / "js").glob("*.js"):
        source = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\bt\("([a-z0-9_]+)"', source))
        # Keys passed around as data: {key: "countdown_buzz"}, BUZZ_LABELS = {go: "buzz", …}
        keys |= set(re.findall(r'key: "([a-z0-9_]+)"', source))
        keys |= set(re.findall(r'"(conn_[a-z_]+)"', source))
    return keys


def test_every_text_the_javascript_asks_for_exists() -> None:
    used = _literal_keys_in_javascript()
    assert {"send_answer", "conn_auth_failed", "countdown_buzz"} <= used
    assert used - KEYS - AFTER_KEYS == set()  # admin.js, results.js
    counted: set[str] = set()
    for path in (STATIC_DIR / "js").glob("*.js"):
        counted |= set(re.findall(r'\btn\("([a-z0-9_]+)"', path.read_text(encoding="utf-8")))
    assert "questions_count" in counted
    assert counted - PLURAL_KEYS - AFTER_KEYS == set()


def test_every_text_a_template_asks_for_exists() -> None:
    used: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\.([a-z][a-z0-9_]*)", source))
        used |= set(re.findall(r"\bt\[['\"]([a-z][a-z0-9_]*)['\"]\]", source))
    assert {"app_name", "admin_sign_in"} <= used
    assert used - KEYS - AFTER_KEYS == set()


def test_choose_language() -> None:
    assert choose_language("lt") == "lt"
    assert choose_language("en") == "en"
    assert choose_language(None) == "lv"
    assert choose_language("LV") == "lv"
    assert choose_language("ru") == "lv"
