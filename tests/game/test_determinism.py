"""Everything the engine puts out is a pure function of the contest, in every server process.

A set of strings iterates in an order that depends on the process's hash seed
(``PYTHONHASHSEED``, random per process by default). If such an order reaches a view, an event or
a snapshot, multiple-choice options, locked-out teams or a round's teams come out in a different
order after every restart, and a replayed log no longer matches its original byte for byte. So the
same contest is played in subprocesses with different hash seeds and every view, event and
snapshot it produced must be identical.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import msgspec

from game import commands as c
from game.model import AllPlayRules, Round
from game.questions import Answer, ChoicesAnswer, MultipleChoice, Option
from game.state import encode_state
from game.views import audience_view, display_view, host_view, team_view
from tests.game.factory import MS, S, buzz, buzzer_round, loc, setup

ROOT = Path(__file__).resolve().parents[2]
HASH_SEEDS = ("0", "1", "2", "3", "4", "5")
TEAMS = ("jelgava", "liepaja", "siauliai", "ventspils", "kaunas", "riga")


def _mammals() -> MultipleChoice:
    return MultipleChoice(
        id="q-mammals",
        text=loc("Which are mammals?"),
        options=tuple(Option(id=o, text=loc(o)) for o in "abcdefgh"),
        correct=("a", "c", "e", "g"),
    )


def transcript() -> bytes:
    """Play one contest and return every event, view and snapshot it produced, as JSON."""
    restricted = Round(
        id="r-some",
        title=loc("Some teams"),
        rules=AllPlayRules(),
        questions=(_mammals(),),
        teams=TEAMS[:5],
    )
    g = setup([restricted, buzzer_round(rid="r-buzz")], teams=TEAMS)
    out: list[object] = []

    def record() -> None:
        out.append(host_view(g.state))
        out.append(display_view(g.state))
        out.append(audience_view(g.state))
        out.extend(team_view(g.state, team) for team in TEAMS)
        out.append(encode_state(g.state).decode())

    g.run(c.StartRound)
    g.at(S).run(c.ShowQuestion)
    for i, team in enumerate(TEAMS[:5]):
        chosen = "hgfedcba"[i:] if i % 2 else "gecab"
        answer = ChoicesAnswer(options=tuple(chosen))
        g.run(c.SubmitAnswer, team_id=team, player_id=f"{team}-p1", answer=answer)
    record()
    g.at(2 * S).run(c.Reveal)
    record()
    g.run(c.NextQuestion)  # the round ends
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    for team in TEAMS[:4]:  # false starts: four teams locked out
        buzz(g, team, g.now + 10 * MS, arrive=g.now + 10 * MS)
    record()
    out.append([msgspec.to_builtins(e) for e in g.log])
    out.append([msgspec.json.encode(e).decode() for e in g.log])
    return msgspec.json.encode(out)


def _transcript_with_hash_seed(seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
    script = "import sys; from tests.game import test_determinism as t; "
    script += "sys.stdout.buffer.write(t.transcript())"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, check=True
    )
    return done.stdout


def test_views_events_and_snapshots_do_not_depend_on_the_hash_seed():
    transcripts = {seed: _transcript_with_hash_seed(seed) for seed in HASH_SEEDS}
    digests = {seed: hashlib.sha256(t).hexdigest()[:12] for seed, t in transcripts.items()}
    assert len(set(digests.values())) == 1, f"a different transcript per hash seed: {digests}"
    assert transcripts["0"] == transcript()  # and the same as in this process


def test_sets_of_ids_come_out_sorted_whatever_order_they_came_in():
    """The canonical order of a set of ids is sorted, each id once: a tablet's answer, a
    question's correct options and a round's teams read back the same however they were sent."""
    sent = msgspec.json.decode(b'{"kind":"choices","options":["g","a","e","c","a"]}', type=Answer)
    assert sent == ChoicesAnswer(options=("a", "c", "e", "g"))
    mammals = msgspec.structs.replace(_mammals(), correct=("g", "e", "c", "a"))
    assert mammals.correct == ("a", "c", "e", "g")
    some = Round(id="r", title=loc("R"), rules=AllPlayRules(), questions=(mammals,), teams=TEAMS)
    assert some.teams == tuple(sorted(TEAMS))
    g = setup([some], teams=TEAMS)
    g.run(c.StartRound)
    g.run(c.ShowQuestion)
    g.run(c.SubmitAnswer, team_id="riga", player_id="riga-p1", answer=sent)
    view = team_view(g.state, "riga")
    assert view["round"]["teams"] == sorted(TEAMS)
    mine = view["question"]["my_answer"]["answer"]
    assert msgspec.json.encode(mine) == b'{"kind":"choices","options":["a","c","e","g"]}'
