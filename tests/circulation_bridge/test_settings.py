"""Bridge settings: read once from a mapping, typed, validated, secrets kept out of sight."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from circulation_bridge import BridgeSettings, ConfigurationError, LibrarySettings, UnknownLibrary
from circulation_bridge.messages import PatronFlag
from circulation_bridge.settings import LIBRARY_KEYS

SECRET = "a-test-secret-of-32-bytes-length"
DOCS = Path(__file__).parents[2] / "docs" / "settings.md"

JELGAVA = {
    "host": "sip2.jelgava.example",
    "port": 6001,
    "institution_id": "JELGAVA",
    "user": "kiosk",
    "password": "s3cret-login",
}


def environ(libraries: Any, **extra: str) -> dict[str, str]:
    return {"QUIZ_LIBRARIES": json.dumps(libraries), "QUIZ_CARD_HASH_SECRET": SECRET, **extra}


def test_inline_json_with_defaults() -> None:
    settings = BridgeSettings.from_environ(environ({"Jelgava": JELGAVA}))
    (library,) = settings.libraries
    assert library == LibrarySettings(name="Jelgava", **JELGAVA)
    assert library.encoding == "utf-8"
    assert not library.pin_required and not library.tls and library.error_detection
    assert library.location == "" and library.language == "000"
    assert (library.connect_timeout, library.login_timeout, library.response_timeout) == (
        5.0,
        10.0,
        10.0,
    )
    assert library.blocked_when == {
        PatronFlag.CHARGE_PRIVILEGES_DENIED,
        PatronFlag.CARD_REPORTED_LOST,
    }
    assert settings.card_hash_secret == SECRET.encode()


TOML = """
[Jelgava]
host = "sip2.jelgava.example"
port = 6001
institution_id = "JELGAVA"
user = "kiosk"
password_env = "JELGAVA_SIP2_PASSWORD"
location = "JELG-KIOSK-1"
pin_required = true

["Liepāja"]
host = "10.20.0.5"
port = 6002
tls = true
institution_id = "LIEPAJA"
user = "quiz"
password_env = "LIEPAJA_SIP2_PASSWORD"
encoding = "cp1257"
blocked_when = ["card_reported_lost"]

["Šiauliai"]
host = "sip.siauliai.example"
port = 6001
institution_id = "SIAULIAI"
user = "quiz"
password_env = "SIAULIAI_SIP2_PASSWORD"
encoding = "iso-8859-13"
response_timeout = 4.5
patron_fields = { email = "BE" }
"""


def test_a_toml_file_with_the_three_libraries(tmp_path: Path) -> None:
    path = tmp_path / "libraries.toml"
    path.write_text(TOML, encoding="utf-8")
    settings = BridgeSettings.from_environ(
        {
            "QUIZ_LIBRARIES": str(path),
            "QUIZ_CARD_HASH_SECRET": SECRET,
            "JELGAVA_SIP2_PASSWORD": "pw-j",
            "LIEPAJA_SIP2_PASSWORD": "pw-l",
            "SIAULIAI_SIP2_PASSWORD": "pw-s",
        }
    )
    jelgava, liepaja, siauliai = settings.libraries
    assert (jelgava.password, jelgava.pin_required, jelgava.location) == (
        "pw-j",
        True,
        "JELG-KIOSK-1",
    )
    assert (liepaja.name, liepaja.tls, liepaja.encoding) == ("Liepāja", True, "cp1257")
    assert liepaja.blocked_when == {PatronFlag.CARD_REPORTED_LOST}
    assert (siauliai.encoding, siauliai.response_timeout) == ("iso-8859-13", 4.5)
    assert siauliai.patron_fields == (("email", "BE"),)
    assert siauliai.needs_patron_information
    assert not jelgava.needs_patron_information


def test_a_json_file(tmp_path: Path) -> None:
    path = tmp_path / "libraries.json"
    path.write_text(json.dumps({"Jelgava": JELGAVA}), encoding="utf-8")
    settings = BridgeSettings.from_environ(
        {"QUIZ_LIBRARIES": str(path), "QUIZ_CARD_HASH_SECRET": SECRET}
    )
    assert settings.library("Jelgava").host == "sip2.jelgava.example"


def test_no_libraries_configured() -> None:
    settings = BridgeSettings.from_environ({})
    assert settings.libraries == () and settings.card_hash_secret is None
    with pytest.raises(UnknownLibrary, match=r"configured: none"):
        settings.library("Jelgava")


@pytest.mark.parametrize("asked", ["Liepāja", "liepāja", "LIEPAJA", "liepaja", " Liepaja "])
def test_library_names_match_without_case_or_accents(asked: str) -> None:
    settings = BridgeSettings.from_environ(environ({"Jelgava": JELGAVA, "Liepāja": JELGAVA}))
    assert settings.library(asked).name == "Liepāja"


def test_an_unknown_library_lists_the_configured_ones() -> None:
    settings = BridgeSettings.from_environ(environ({"Jelgava": JELGAVA, "Šiauliai": JELGAVA}))
    with pytest.raises(UnknownLibrary, match=r"no library called 'Riga' .*Jelgava, Šiauliai"):
        settings.library("Riga")


def test_secrets_never_appear_in_repr() -> None:
    settings = BridgeSettings.from_environ(
        environ({"Jelgava": {**JELGAVA, "terminal_password": "term-pw"}})
    )
    shown = repr(settings)
    for secret in (SECRET, "s3cret-login", "term-pw"):
        assert secret not in shown


def test_nothing_is_read_before_from_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZ_LIBRARIES", "/nonexistent/libraries.toml")
    import importlib

    import circulation_bridge.settings

    importlib.reload(circulation_bridge.settings)  # importing reads nothing, so it cannot fail


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"pin_requried": True}, "unknown key(s) pin_requried"),
        ({"host": 5}, "host must be text"),
        ({"port": "6001"}, "port must be a whole number"),
        ({"port": True}, "port must be a whole number"),
        ({"port": 70000}, "port must be between 1 and 65535"),
        ({"tls": "yes"}, "tls must be true or false"),
        ({"encoding": "latin-1"}, "encoding must be one of utf-8, cp1257, iso-8859-13, cp850"),
        ({"institution_id": "JEL|GAVA"}, "institution_id must not hold '|'"),
        ({"institution_id": ""}, "institution_id must not be empty"),
        ({"user": ""}, "user (the SIP2 login user) must not be empty"),
        ({"location": "Liepāja", "encoding": "cp850"}, "location holds a character cp850 lacks"),
        ({"response_timeout": 0}, "response_timeout must be more than 0"),
        ({"connect_timeout": 301}, "connect_timeout must be more than 0 and at most 300"),
        ({"language": "lv"}, "language must be a three-digit SIP2 code"),
        ({"blocked_when": ["stolen"]}, "blocked_when must be a list of patron status flags"),
        ({"patron_fields": {"email": "be"}}, "must name a two-character SIP2 field"),
        ({"patron_fields": {"email": "AZ"}}, "must name a two-character SIP2 field"),
        ({"patron_fields": {"E-mail": "BE"}}, "label 'E-mail' must be lower-case"),
        ({"patron_fields": ["BE"]}, "patron_fields must map labels"),
        ({"tls_ca_file": "/nonexistent/ca.pem", "tls": True}, "is not a file"),
        ({"password_env": "NOT_SET"}, "password_env names NOT_SET, which is not set"),
    ],
)
def test_bad_settings_are_refused_clearly(change: dict[str, Any], complaint: str) -> None:
    table = {**JELGAVA, **change}
    if "password_env" in change:
        del table["password"]
    with pytest.raises(ConfigurationError, match=re.escape(complaint)) as raised:
        BridgeSettings.from_environ(environ({"Jelgava": table}))
    assert "library 'Jelgava'" in raised.value.message
    assert "s3cret-login" not in raised.value.message


def test_missing_keys_are_named() -> None:
    with pytest.raises(ConfigurationError, match=r"missing host, port, password \(or password_env"):
        BridgeSettings.from_environ(environ({"Jelgava": {"institution_id": "J", "user": "u"}}))


def test_password_and_password_env_together_are_refused() -> None:
    table = {**JELGAVA, "password_env": "X"}
    with pytest.raises(ConfigurationError, match="give password or password_env, not both"):
        BridgeSettings.from_environ(environ({"Jelgava": table}, X="pw"))


def test_tls_ca_file_without_tls_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="tls_ca_file is set but tls is off"):
        LibrarySettings(name="J", tls_ca_file=__file__, **JELGAVA)


def test_a_secret_is_required_once_libraries_are_configured() -> None:
    with pytest.raises(ConfigurationError, match="QUIZ_CARD_HASH_SECRET must be set"):
        BridgeSettings.from_environ({"QUIZ_LIBRARIES": json.dumps({"Jelgava": JELGAVA})})


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="at least 16 bytes"):
        BridgeSettings.from_environ(environ({}, QUIZ_CARD_HASH_SECRET="short"))


def test_names_that_differ_only_by_accents_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="two libraries have the same name"):
        BridgeSettings.from_environ(environ({"Liepāja": JELGAVA, "LIEPAJA": JELGAVA}))


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("{not json", "invalid JSON at line 1"),
        ("[1, 2]", "the top level must map library names to tables"),
        ("/nonexistent/libraries.toml", "cannot read /nonexistent/libraries.toml"),
        ("libraries.yaml", "must be inline JSON or a file ending in .json or .toml"),
    ],
)
def test_bad_quiz_libraries_values(value: str, complaint: str) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(complaint)):
        BridgeSettings.from_environ({"QUIZ_LIBRARIES": value, "QUIZ_CARD_HASH_SECRET": SECRET})


def test_bad_toml_and_a_bad_top_level(tmp_path: Path) -> None:
    path = tmp_path / "libraries.toml"
    path.write_text("[Jelgava\nhost = 1", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="invalid TOML"):
        BridgeSettings.from_environ({"QUIZ_LIBRARIES": str(path), "QUIZ_CARD_HASH_SECRET": SECRET})
    json_path = tmp_path / "libraries.json"
    json_path.write_text("[]", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="top level must map library names"):
        BridgeSettings.from_environ(
            {"QUIZ_LIBRARIES": str(json_path), "QUIZ_CARD_HASH_SECRET": SECRET}
        )
    with pytest.raises(ConfigurationError, match="settings must be a table"):
        BridgeSettings.from_environ(environ({"Jelgava": "sip2.jelgava.example"}))


def test_every_setting_is_documented() -> None:
    """Like datasette's settings check: a setting without documentation fails the build."""
    text = DOCS.read_text(encoding="utf-8")
    for variable in ("QUIZ_LIBRARIES", "QUIZ_CARD_HASH_SECRET"):
        assert f"`{variable}`" in text
    for key in LIBRARY_KEYS:
        assert f"`{key}`" in text, f"library key {key} is not in {DOCS.name}"
    for flag in PatronFlag:
        assert f"`{flag.value}`" in text
