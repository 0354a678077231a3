"""No correct answer reaches anyone but the host before its reveal (DESIGN.md "Security").

One whole contest — a buzzer round, an all-play round with every kind of question and an
estimation round, questions from the shipped pack — runs on a real server while every WebSocket
frame to the three teams' tablets, a venue screen and a live audience is recorded; before the
contest, and again while a question is open, every HTTP path a page or a curious player can reach
is requested (the pages, the static files, the media, the pack's own files, the API without the
host secret or with a player's or screen's token instead). The test fails on any correct answer,
explanation or accepted text of a question before that question was revealed to that client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from pathlib import Path
from typing import Any

import httpx

from displays import STATIC_DIR
from game.questions import OpenText, Question, correct_answer
from server.packs import PackLibrary
from tests.server.conftest import setup_contest
from tests.server.test_crash_recovery import _connect, _recv

PACK = "baltic-science"
ROUNDS: list[tuple[dict[str, Any], list[str]]] = [
    (
        {"kind": "buzzer", "open_delay_ms": 0, "collect_window_ms": 50},
        ["single_choice", "true_false"],
    ),
    (
        {"kind": "all_play", "time_limit_s": 120},
        ["multiple_choice", "ordering", "open_text", "numeric"],
    ),
    ({"kind": "estimation", "time_limit_s": 120}, ["estimation"]),
]
PACK_ANSWER_KEY = re.compile(r"^\s*(answer|correct|accepted):", re.MULTILINE)
"""How a question pack's source (YAML) spells a question's answer."""
PRIVATE_KEYS = {"correct", "accepted", "value", "tolerance", "explanation", "source"}
"""Keys of a question's answer data: never in the question a player, screen or audience sees."""


def _pack_questions() -> dict[str, Question]:
    pack = PackLibrary().pack(PACK)
    by_type: dict[str, Question] = {}
    for question in pack.questions:
        by_type.setdefault(question.__struct_config__.tag, question)  # type: ignore[arg-type]
    return by_type


def _secrets(question: Question) -> set[str]:
    """Texts that only the answer carries: the explanation, accepted texts, the correct option
    text of a choice question (its other options' texts differ)."""
    found = {text for text in question.explanation.values() if len(text) > 12}
    if isinstance(question, OpenText):
        found |= {text for texts in question.accepted.values() for text in texts}
    return found


def _correct_answer(question: Question) -> dict[str, Any]:
    """The correct answer as a player sends it."""
    answer = correct_answer(question)
    if answer["kind"] == "number":
        return {"kind": "number", "value": answer["value"]}
    if answer["kind"] == "text":
        return {"kind": "text", "text": answer["accepted"]["lv"][0]}  # type: ignore[index]
    return answer


def _without_own_answers(node: Any) -> Any:
    """A frame without the team's own answer (``my_answer``: what the player typed)."""
    if isinstance(node, dict):
        return {k: _without_own_answers(v) for k, v in node.items() if k != "my_answer"}
    if isinstance(node, list):
        return [_without_own_answers(v) for v in node]
    return node


class Recorder:
    """Every frame one client receives, in order."""

    def __init__(self, name: str, ws: Any) -> None:
        self.name, self.ws, self.frames = name, ws, []  # type: ignore[var-annotated]
        self.task = asyncio.get_running_loop().create_task(self._record())

    async def _record(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                self.frames.append(raw)

    async def saw_reveal_of(self, question_id: str) -> None:
        """Wait until this client has received a view with ``question_id`` revealed."""
        marker = f'"id":"{question_id}"'
        for _ in range(300):
            for raw in reversed(self.frames):
                if marker in raw and '"phase":"revealed"' in raw:
                    return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{self.name} never saw {question_id} revealed")

    async def stop(self) -> None:
        await self.ws.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, 10)


def _check_frames(recorder: Recorder, questions: dict[str, Question]) -> int:
    """Fail on any answer data of a question before this client saw it revealed; returns how
    many reveals the client saw."""
    revealed: set[str] = set()
    for raw in recorder.frames:
        message = json.loads(raw)
        if message.get("type") != "view":
            continue
        shown = message["view"].get("question")
        if shown is not None:
            qid = shown["question"]["id"]
            assert not PRIVATE_KEYS & set(shown["question"]), (recorder.name, qid, shown)
            if shown["phase"] == "revealed":
                revealed.add(qid)
            else:
                for field in ("answer", "explanation", "results"):
                    assert shown[field] is None, (recorder.name, qid, field, shown[field])
        text = json.dumps(_without_own_answers(message), ensure_ascii=False)
        for qid, question in questions.items():
            if qid in revealed:
                continue
            for secret in _secrets(question):
                assert secret not in text, f"{recorder.name} got {secret!r} of {qid} early"
    return len(revealed)


def _reachable_paths(contest_id: str, questions: dict[str, Question]) -> list[str]:
    pack_root = PackLibrary().pack(PACK).root
    paths = ["/", "/healthz", f"/api/contests/{contest_id}", f"/api/contests/{contest_id}/teams"]
    paths += [f"/api/contests/{contest_id}/events", f"/api/contests/{contest_id}/events?after=0"]
    for page in ("host", "play", "screen", "watch"):
        paths += [f"/{page}/{contest_id}", f"/{page}/{contest_id}?lang=lt"]
    paths += [f"/static/{p.relative_to(STATIC_DIR).as_posix()}" for p in STATIC_DIR.rglob("*")]
    paths += [f"/media/{PACK}/{p.relative_to(pack_root).as_posix()}" for p in pack_root.rglob("*")]
    paths += [f"/media/{PACK}/", f"/media/{PACK}", "/media/", f"/media/{PACK}/../{PACK}/pack.yaml"]
    for question in questions.values():
        if question.media is not None:
            paths.append(f"/media/{PACK}/{question.media.path}")
        paths.append(f"/media/{PACK}/questions/{question.id}.yaml")
    return paths


def _check_http(base: str, contest: dict[str, Any], questions: dict[str, Question]) -> int:
    """Request every reachable path as a curious player would; returns how many were served."""
    secrets = {s for q in questions.values() for s in _secrets(q)}
    credentials = [
        {},
        {"Authorization": f"Bearer {contest['tokens']['jelgava']}"},
        {"Authorization": f"Bearer {contest['screen_token']}"},
    ]
    served = 0
    with httpx.Client(base_url=base, timeout=10) as http:
        for path in _reachable_paths(contest["id"], questions):
            for headers in credentials:
                response = http.get(path, headers=headers)
                if response.status_code == 200:
                    served += 1
                body = response.text
                if not path.startswith("/static/"):  # the pages' code names verdicts, not answers
                    assert not PACK_ANSWER_KEY.search(body), f"{path} serves a pack's answers"
                    assert '"correct"' not in body and '"accepted"' not in body, path
                for secret in secrets:
                    assert secret not in body, f"{path} serves {secret!r}"
    return served


def test_no_correct_answer_reaches_a_player_screen_audience_or_http_path_before_its_reveal(
    server_process,
):
    server = server_process()
    by_type = _pack_questions()
    with httpx.Client(base_url=server.base, timeout=30) as http:
        contest = setup_contest(http)
        for rules, types in ROUNDS:
            added = http.post(
                f"/api/contests/{contest['id']}/rounds",
                headers=contest["auth"],
                json={
                    "rules": rules,
                    "from_pack": {"pack": PACK, "ids": [by_type[t].id for t in types]},
                },
            )
            assert added.status_code == 201, added.text
    questions = {by_type[t].id: by_type[t] for _, types in ROUNDS for t in types}
    assert _check_http(server.base, contest, questions) > 20

    async def play() -> dict[str, int]:
        cid = contest["id"]
        host = await _connect(server, cid, role="host", secret=contest["secret"])
        tablets = {
            team: await _connect(server, cid, role="player", token=token)
            for team, token in contest["tokens"].items()
        }
        recorders = [Recorder(f"tablet {team}", ws) for team, ws in tablets.items()]
        screen = await _connect(server, cid, role="display", token=contest["screen_token"])
        audience = await _connect(server, cid, role="audience")
        recorders += [Recorder("screen", screen), Recorder("audience", audience)]
        next_id = iter(range(1, 10_000))

        async def command(kind: str, **fields: Any) -> dict[str, Any]:
            message_id = next(next_id)
            await host.send(
                json.dumps(
                    {"type": "command", "id": message_id, "command": {"type": kind, **fields}}
                )
            )
            reply = await _recv(
                host, lambda m: m["type"] in ("ack", "error") and m.get("id") == message_id
            )
            assert reply["type"] == "ack", (kind, reply)
            return reply

        async def host_sees(predicate: Any) -> dict[str, Any]:
            """The host's view once ``predicate`` holds (polled over HTTP with the secret)."""
            async with httpx.AsyncClient(base_url=server.base, headers=contest["auth"]) as http:
                for _ in range(300):
                    view = (await http.get(f"/api/contests/{cid}")).json()
                    if predicate(view):
                        return dict(view)
                    await asyncio.sleep(0.05)
            raise AssertionError("the host view never got there")

        async def send(team: str, message: dict[str, Any]) -> None:
            await tablets[team].send(json.dumps({"id": next(next_id), **message}))

        await command("start_contest")
        first_round = 2  # setup_contest made rounds 0 and 1
        for offset, (rules, types) in enumerate(ROUNDS):
            await command("start_round", round_index=first_round + offset)
            for position, kind in enumerate(types):
                question = by_type[kind]
                if position == 0:
                    await command("show_question")
                if rules["kind"] == "buzzer":
                    await command("open_buzzers")
                    await host_sees(lambda v: (v["question"] or {}).get("phase") == "open")
                    await send("jelgava", {"type": "buzz", "pressed_at": 0.0})
                    await host_sees(
                        lambda v: (v["question"] or {}).get("answering_team") == "jelgava"
                    )
                    await send("jelgava", {"type": "answer", "answer": _correct_answer(question)})
                    await host_sees(lambda v: bool((v["question"] or {}).get("answers")))
                    if position == 0:  # mid-question: every HTTP path once more
                        await asyncio.to_thread(_check_http, server.base, contest, questions)
                    await command("judge", team_id="jelgava", correct=True)
                else:
                    await send("jelgava", {"type": "answer", "answer": _correct_answer(question)})
                    if isinstance(question, OpenText):
                        wrong = {"kind": "text", "text": "Andromeda"}
                        await send("liepaja", {"type": "answer", "answer": wrong})
                    await host_sees(lambda v: len((v["question"] or {}).get("answers") or {}) >= 1)
                    await command("lock_answers")
                    if isinstance(question, OpenText):
                        view = await host_sees(
                            lambda v: (v["question"] or {}).get("phase") == "locked"
                        )
                        for team in view["question"].get("pending") or []:
                            await command("judge", team_id=team, correct=False)
                await command("reveal")
                for recorder in recorders:  # every client sees it before the next question
                    await recorder.saw_reveal_of(question.id)
                await command("next_question")
        await command("end_contest")
        await asyncio.sleep(0.5)  # the last views reach every client
        for recorder in recorders:
            await recorder.stop()
        await host.close()
        return {r.name: _check_frames(r, questions) for r in recorders}

    seen = asyncio.run(play())
    # Every client followed the whole contest: the check above looked at real views.
    assert seen == {name: len(questions) for name in seen}, seen


def test_the_secrets_the_leak_test_looks_for_are_in_the_pack_source():
    # The test above can only fail if what it searches for is really there to leak.
    pack_root = Path(PackLibrary().pack(PACK).root)
    source = "\n".join(p.read_text(encoding="utf-8") for p in pack_root.rglob("*.yaml"))
    for question in _pack_questions().values():
        for secret in _secrets(question):
            assert secret.split("\n")[0][:30] in source
    assert PACK_ANSWER_KEY.search(source)
