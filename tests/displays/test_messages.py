"""The interface-text catalogues: every key in lv, lt and en, same placeholders, translated."""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import get_args

import pytest

import game.errors
from displays import STATIC_DIR
from displays.messages import LANGUAGES, Messages, catalogue, choose_language
from displays.messages.after import AfterMessages
from game.phases import Phase
from game.questions import Verdict

KEYS = set(Messages.__required_keys__)
PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"

# Texts that are the same in every language on purpose (symbols and placeholders only).
SAME_EVERYWHERE = {"tolerance", "joined_as", "pf_bound"}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_exactly_every_key(lang: str) -> None:
    messages = catalogue(lang)  # type: ignore[arg-type]
    assert set(messages) == KEYS
    assert all(isinstance(text, str) and text.strip() for text in messages.values())


@pytest.mark.parametrize("lang", ["lv", "lt"])
def test_placeholders_match_english(lang: str) -> None:
    english = catalogue("en")
    messages = catalogue(lang)  # type: ignore[arg-type]
    for key in KEYS:
        assert _placeholders(messages[key]) == _placeholders(english[key]), key  # type: ignore[literal-required]


@pytest.mark.parametrize("lang", ["lv", "lt"])
def test_texts_are_translated(lang: str) -> None:
    english = catalogue("en")
    messages = catalogue(lang)  # type: ignore[arg-type]
    untranslated = {
        key
        for key in KEYS - SAME_EVERYWHERE
        if messages[key] == english[key]  # type: ignore[literal-required]
    }
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
    missing = {code for code in codes if f"error_{code}" not in KEYS}
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
    assert used - KEYS - set(AfterMessages.__required_keys__) == set()  # admin.js, results.js


def test_choose_language() -> None:
    assert choose_language("lt") == "lt"
    assert choose_language("en") == "en"
    assert choose_language(None) == "lv"
    assert choose_language("LV") == "lv"
    assert choose_language("ru") == "lv"
