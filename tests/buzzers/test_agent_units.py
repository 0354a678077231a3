"""The agent's pure parts: configuration, the outbox on disk, the lamp plan and its commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from buzzers.agent_config import contest_url, load_config, parse_box_option, strip_credentials
from buzzers.agent_texts import TEXTS, text
from buzzers.bz1 import Arm, Disarm, Lamp, LampMode
from buzzers.errors import ConfigError
from buzzers.lamp_plan import LampBoard, LampPlan, lamp_plan
from buzzers.outbox import Outbox

ENV = {"QUIZ_AGENT_TOKEN": "at_secret"}
B, ON, OFF = LampMode.BLINK, LampMode.ON, LampMode.OFF


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "venue.toml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
server = "wss://quiz.example.lv"
contest = "bsq-2026"
lang = "lv"
state_file = "/tmp/state.json"

[[box]]
port = "/dev/ttyACM0"
name = "JELG-1"
channels = { 1 = "jelgava", 2 = "jelgava-juniors" }

[[box]]
port = "socket://user:pw@10.0.0.5:4000"
adapter = "lines"
pattern = "B{ch}"
channels = { 3 = "liepaja" }
"""


def test_a_full_configuration_is_read(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), environ=ENV)
    assert config.url == "wss://quiz.example.lv/ws/bsq-2026"
    assert config.token == "at_secret"
    assert "at_secret" not in repr(config)
    assert config.lang == "lv"
    assert [b.port for b in config.boxes] == ["/dev/ttyACM0", "socket://user:pw@10.0.0.5:4000"]
    assert config.boxes[0].channels == {1: "jelgava", 2: "jelgava-juniors"}
    assert config.boxes[1].adapter == "lines" and config.boxes[1].pattern == "B{ch}"
    assert config.teams == {"jelgava", "jelgava-juniors", "liepaja"}


def test_options_win_over_the_file_and_add_boxes(tmp_path: Path) -> None:
    overrides = {"lang": "lt", "server": "ws://127.0.0.1:8000/ws/other", "contest": None}
    overrides["boxes"] = [parse_box_option("rfc2217://h:1,a=b,2=siauliai,3=siauliai-2")]
    config = load_config(
        write(tmp_path, GOOD.replace('contest = "bsq-2026"\n', "")), overrides, ENV
    )
    assert config.lang == "lt"
    assert config.url == "ws://127.0.0.1:8000/ws/other"
    assert config.boxes[-1].port == "rfc2217://h:1,a=b"
    assert config.boxes[-1].channels == {2: "siauliai", 3: "siauliai-2"}


@pytest.mark.parametrize(
    ("server", "contest", "url"),
    [
        ("https://quiz.lv/", "c1", "wss://quiz.lv/ws/c1"),
        ("http://127.0.0.1:8000", "c 2", "ws://127.0.0.1:8000/ws/c%202"),
        ("ws://h/base/ws/c3/", None, "ws://h/base/ws/c3"),
        ("wss://h/quiz", "c4", "wss://h/quiz/ws/c4"),
    ],
)
def test_contest_urls(server: str, contest: str | None, url: str) -> None:
    assert contest_url(server, contest) == url


def test_credentials_are_stripped_for_logs() -> None:
    assert strip_credentials("socket://u:p@h:4000") == "socket://h:4000"
    assert strip_credentials("/dev/ttyACM0") == "/dev/ttyACM0"


BAD = [
    ("", {}, "no server"),
    ('server = "ftp://x"\ncontest = "c"', {}, "ws:// or wss://"),
    ('server = "wss://x"', {}, "no contest"),
    ('server = "wss://x/ws/a"\ncontest = "b"', {}, "names contest 'a'"),
    (
        'server = "wss://x"\ncontest = "c"\n[[box]]\nport="p"\nchannels={1="t"}',
        {"env": {}},
        "QUIZ_AGENT_TOKEN",
    ),
    ('server = "wss://x"\ncontest = "c"\nlang = "de"', {}, "lang 'de'"),
    ('server = "wss://x"\ncontest = "c"', {}, "no box"),
    ('server = "wss://x"\ncontest = "c"\ncolour = 1', {}, "unknown setting 'colour'"),
    ('server = "wss://x"\ncontest = "c"\n[[box]]\nport = "p"', {}, "`channels` must map"),
    (
        'server = "wss://x"\ncontest = "c"\n[[box]]\nport = "p"\nchannels = {99 = "t"}',
        {},
        "channel '99'",
    ),
    (
        'server = "wss://x"\ncontest = "c"\n[[box]]\nport = "p"\nadapter = "x"\nchannels={1="t"}',
        {},
        "adapter 'x'",
    ),
    (
        (
            'server = "wss://x"\ncontest = "c"\n'
            '[[box]]\nport = "p"\nchannels={1="t"}\n[[box]]\nport = "p"\nchannels={2="u"}'
        ),
        {},
        "same port",
    ),
    ('server = "wss://x"\ncontest = "c"\ntoken_file = "/nonexistent/t"', {}, "token_file"),
    ("server = [", {}, "not valid TOML"),
]


@pytest.mark.parametrize(("body", "options", "needle"), BAD)
def test_bad_configurations_say_what_is_wrong(
    tmp_path: Path, body: str, options: dict[str, Any], needle: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, body), environ=options.get("env", ENV))
    assert needle in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml", environ=ENV)


def test_box_option_needs_channels() -> None:
    with pytest.raises(ConfigError, match="PORT,CH=TEAM"):
        parse_box_option("/dev/ttyACM0")


def test_every_operator_text_exists_in_every_language() -> None:
    assert set(TEXTS["lv"]) == set(TEXTS["lt"]) == set(TEXTS["en"])
    fields: dict[str, object] = dict.fromkeys(
        ("url", "teams", "reason", "box", "port", "team"), "x"
    )
    fields |= {"seconds": 60, "channels": 8, "count": 2}
    for lang in TEXTS:
        for key in TEXTS[lang]:
            assert text(lang, key, **fields)


# --- outbox ---------------------------------------------------------------------------------------


def test_presses_survive_a_restart_with_the_same_ids(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    first = Outbox(path, limit=10, boot_id="boot-a")
    first.load()
    a = first.add("jelgava", 1000.5, 0.2, 1, "JELG-1")
    b = first.add("liepaja", 1001.5, 0.2, 2, None)
    first.remove(a.id)
    again = Outbox(path, limit=10, boot_id="boot-a")
    notes = again.load()
    assert again.pending() == [b]
    assert "1 unacknowledged" in notes[0]
    c = again.add("siauliai", 1002.0, 0.1, 3, "S")
    assert c.id.startswith(first.prefix + "-") and c.id not in (a.id, b.id)
    assert b.message() == {
        "type": "press",
        "id": b.id,
        "team_id": "liepaja",
        "pressed_at": 1001.5,
        "bound": 0.2,
        "channel": 2,
    }
    assert not list(tmp_path.glob("*.tmp"))


def test_presses_of_another_boot_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    before = Outbox(path, limit=10, boot_id="boot-a")
    before.load()
    before.add("jelgava", 5.0, 0.1, 1, None)
    after = Outbox(path, limit=10, boot_id="boot-b")
    assert "before this computer restarted" in after.load()[0]
    assert after.pending() == [] and after.prefix == before.prefix


def test_an_unreadable_state_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json", encoding="utf-8")
    outbox = Outbox(path, limit=10)
    assert "unreadable" in outbox.load()[0]
    assert (tmp_path / "state.json.bad").exists()
    assert json.loads(path.read_text())["pending"] == []


def test_the_outbox_is_bounded_and_old_presses_expire(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "s.json", limit=3, boot_id="x")
    ids = [outbox.add("t", float(i), 0.1, 1, None).id for i in range(5)]
    assert [p.id for p in outbox.pending()] == ids[2:]
    assert outbox.dropped == 2
    gone = outbox.expire(now_ms=1000.0, max_age_ms=996.5, keep={ids[2]})
    assert [p.id for p in gone] == [ids[3]]
    assert [p.id for p in outbox.pending()] == [ids[2], ids[4]]


# --- lamps ----------------------------------------------------------------------------------------

TEAMS = ("a", "b", "c")


def view(phase: str | None, **question: Any) -> dict[str, Any]:
    contest = {"status": "running", "paused": question.pop("paused", False)}
    round_ = {"teams": question.pop("teams", None)}
    q = None if phase is None else {"phase": phase, "locked_out": [], "answering_team": None}
    if q is not None:
        q.update(question)
    return {"contest": contest, "round": round_, "question": q}


@pytest.mark.parametrize(
    ("shown", "modes", "armed"),
    [
        (None, (OFF, OFF, OFF), False),
        (view(None), (OFF, OFF, OFF), False),
        (view("shown"), (OFF, OFF, OFF), False),
        (view("armed"), (OFF, OFF, OFF), False),
        (view("open"), (B, B, B), True),
        (view("open", locked_out=["b"]), (B, OFF, B), True),
        (view("collecting", teams=["a", "c"]), (B, OFF, B), True),
        (view("open", paused=True), (OFF, OFF, OFF), False),
        (view("answering", answering_team="c"), (OFF, OFF, ON), False),
        (view("answering", answering_team="elsewhere"), (OFF, OFF, OFF), False),
        (view("closed", answering_team="c"), (OFF, OFF, OFF), False),
        (view("revealed"), (OFF, OFF, OFF), False),
        (view("answers_open"), (OFF, OFF, OFF), False),
        ({**view("open"), "contest": {"status": "finished"}}, (OFF, OFF, OFF), False),
    ],
)
def test_lamp_plan(shown: dict[str, Any] | None, modes: tuple[LampMode, ...], armed: bool) -> None:
    assert lamp_plan(shown, TEAMS) == LampPlan(dict(zip(TEAMS, modes, strict=True)), armed)


def test_buzzer_check_blinks_everyone_and_lights_who_pressed() -> None:
    plan = lamp_plan(view("answering", answering_team="a"), TEAMS, check=True, flashing=["b"])
    assert plan == LampPlan({"a": B, "b": ON, "c": B}, True)


def test_lamp_board_sends_only_changes_and_everything_after_a_reopen() -> None:
    board = LampBoard()
    channels = {1: "a", 2: "b", 3: "a"}
    opened = lamp_plan(view("open", locked_out=["b"]), TEAMS)
    assert board.commands(0, channels, opened) == [Arm(), Lamp(1, B), Lamp(2, OFF), Lamp(3, B)]
    assert board.commands(0, channels, opened) == []
    answering = lamp_plan(view("answering", answering_team="b"), TEAMS)
    assert board.commands(0, channels, answering) == [
        Disarm(),
        Lamp(1, OFF),
        Lamp(2, ON),
        Lamp(3, OFF),
    ]
    assert board.commands(1, {1: "c"}, answering, can_arm=False) == [Lamp(1, OFF)]
    board.forget(0)
    assert board.commands(0, channels, answering) == [
        Disarm(),
        Lamp(1, OFF),
        Lamp(2, ON),
        Lamp(3, OFF),
    ]
