"""The terminal demo plays a whole contest through the real engine, in every language."""

from __future__ import annotations

import io

import pytest

from server.cli import main
from server.scripted_demo import play


@pytest.mark.parametrize("lang", ["lv", "lt", "en"])
def test_the_demo_plays_to_the_end_in_every_language(lang):
    out = io.StringIO()
    state = play(out, lang)
    assert state.status == "finished"
    assert state.scores == {"jelgava": 36, "liepaja": 9, "siauliai": 32}
    text = out.getvalue()
    assert text.count("\n") > 40
    assert "Jelgava" in text and "Liepāja" in text and "Šiauliai" in text


def test_quiz_demo_prints_the_final_scoreboard(capsys):
    assert main(["demo", "--script", "--lang", "lv"]) == 0
    out = capsys.readouterr().out
    assert "Galīgā kopvērtējuma tabula" in out
    assert "1. Jelgava" in out


def test_quiz_without_a_command_prints_help(capsys):
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out
