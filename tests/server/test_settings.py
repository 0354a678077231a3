"""Settings are typed, validated with clear messages, and every one is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import SETTINGS, Settings, SettingsError

DOCS = Path(__file__).parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented_with_its_default():
    text = DOCS.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in text, f"{setting.name} is missing from docs/settings.md"
        if setting.default:
            assert f"`{setting.default}`" in text


def test_defaults_and_environment_values():
    s = Settings.from_environ({})
    assert (s.host, s.port, s.ws_compression, s.default_lang) == ("127.0.0.1", 8000, False, "lv")
    assert s.effective_database_url.endswith("data/quiz.sqlite3")
    s = Settings.from_environ(
        {
            "QUIZ_PORT": "9000",
            "QUIZ_WS_COMPRESSION": "yes",
            "QUIZ_ALLOWED_ORIGINS": "https://a.lv/, https://b.lt",
            "QUIZ_DATABASE_URL": "postgresql+psycopg://x@h/db",
        }
    )
    assert (s.port, s.ws_compression) == (9000, True)
    assert s.allowed_origins == ("https://a.lv", "https://b.lt")
    assert s.effective_database_url == "postgresql+psycopg://x@h/db"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"QUIZ_PORT": "eighty"}, "QUIZ_PORT must be a whole number"),
        ({"QUIZ_PORT": "70000"}, "QUIZ_PORT must be between 1 and 65535"),
        ({"QUIZ_WS_COMPRESSION": "maybe"}, "QUIZ_WS_COMPRESSION must be true or false"),
        ({"QUIZ_DEFAULT_LANG": "de"}, "QUIZ_DEFAULT_LANG must be one of lv, lt, en"),
        ({"QUIZ_AUDIENCE_DELAY": "-1"}, "QUIZ_AUDIENCE_DELAY must be between"),
    ],
)
def test_bad_values_name_the_variable(environ, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_environ(environ)


def test_a_settings_file_fills_in_and_the_environment_wins(tmp_path):
    file = tmp_path / "quiz.toml"
    file.write_text(
        'port = 8123\nws_compression = true\nallowed_origins = ["https://a.lv"]\nhost = "0.0.0.0"\n'
    )
    s = Settings.from_environ({"QUIZ_SETTINGS_FILE": str(file), "QUIZ_HOST": "127.0.0.2"})
    assert (s.port, s.ws_compression, s.allowed_origins, s.host) == (
        8123,
        True,
        ("https://a.lv",),
        "127.0.0.2",
    )
    file.write_text("prot = 1\n")
    with pytest.raises(SettingsError, match="unknown setting 'prot'"):
        Settings.from_environ({"QUIZ_SETTINGS_FILE": str(file)})
    file.write_text("port = \n")
    with pytest.raises(SettingsError, match="not valid TOML"):
        Settings.from_environ({"QUIZ_SETTINGS_FILE": str(file)})
    with pytest.raises(SettingsError, match="cannot read"):
        Settings.from_environ({"QUIZ_SETTINGS_FILE": str(tmp_path / "missing.toml")})


def test_secrets_stay_out_of_repr():
    assert "s3cret" not in repr(Settings.from_environ({"QUIZ_ADMIN_TOKEN": "s3cret"}))
