"""Views: what each audience may see of a contest, as pure projections of the state.

Theory of operation
-------------------
Each role gets its own projection, built from the state alone (no clock, no connection data):

- ``host_view`` — everything, including the correct answer, every team's answer as it comes in,
  the automatic verdicts and every photo finish (of the question, and ``buzz_decisions``: of the
  whole contest).
- ``team_view(team_id)`` — what a team's players see: the question without its answer, their own
  team's current answer live, who won the buzz, and the scoreboard.
- ``display_view`` — a venue's big screen: the question, timers, who buzzed, which teams have
  answered (not what), and the scoreboard.

Only the host sees the anti-cheat internals of a photo finish (claims, bounds, arrivals, allowed
paths, clamps); everyone else gets ``public_photo_finish``.
- ``audience_view`` — the public: the scoreboard and the question as it is shown.

The secrecy rule (docs/game-rules.md, "What each screen shows"): before a question is revealed no
view but the host's contains its correct answer or another team's answer. Every piece of answer
data below is added in exactly one place, behind that check, and the tests search every view for
leaks.

Views are plain JSON-ready dicts; the server encodes each one once per change and role.
"""

from __future__ import annotations

from typing import Any

import msgspec

from game.events import PhotoFinish
from game.model import Round
from game.questions import Verdict, check_answer, correct_answer, public_question
from game.state import ContestState, QuestionState, lock_due, pending_timers, team_deadline

View = dict[str, Any]


def scoreboard(state: ContestState) -> list[dict[str, Any]]:
    """Teams by score, highest first; equal scores share a rank."""
    ordered = sorted(state.teams.values(), key=lambda t: (-state.scores.get(t.id, 0), t.name))
    rows: list[dict[str, Any]] = []
    rank = 0
    previous: int | None = None
    for position, team in enumerate(ordered, start=1):
        score = state.scores.get(team.id, 0)
        if score != previous:
            rank, previous = position, score
        rows.append(
            {
                "team_id": team.id,
                "name": team.name,
                "venue": team.venue,
                "colour": team.colour,
                "time_mode": team.time_mode,
                "score": score,
                "rank": rank,
            }
        )
    return rows


def _contest(state: ContestState) -> View:
    return {
        "contest_id": state.contest_id,
        "title": state.title,
        "languages": list(state.languages),
        "status": state.status,
        "paused": state.paused_at is not None,
        "paused_at": state.paused_at,
        "version": state.version,
    }


def _round(state: ContestState) -> View | None:
    round_ = state.current_round
    if round_ is None or state.round_index is None:
        return None
    return {
        "index": state.round_index,
        "id": round_.id,
        "title": dict(round_.title),
        "kind": round_.kind,
        "tiebreak": round_.tiebreak,
        "teams": sorted(round_.teams) if round_.teams is not None else None,
        "question_count": len(round_.questions),
        "questions_shown": len(state.shown_questions),
        "rules": msgspec.to_builtins(round_.rules),
    }


def _answer_data(q: QuestionState, team_id: str, state: ContestState) -> View | None:
    record = q.answers.get(team_id)
    if record is None:
        return None
    player = state.players.get(record.player_id)
    return {
        "answer": msgspec.to_builtins(record.answer),
        "player_id": record.player_id,
        "player_name": player.display_name if player else None,
        "at": record.at,
    }


def public_photo_finish(photo: PhotoFinish) -> View:
    """A photo finish as players, screens and the audience see it: who pressed, the press time
    the engine decided, tablet or box, the window, the tie and the winner.

    The anti-cheat internals — the device's own claim, its error bound, the arrival, the
    allowed path and whether the press was clamped — are for the host only (docs/game-rules.md,
    "Buzz arbitration"): a client that saw its allowance would know how early it may claim.
    """
    return {
        "presses": [
            {
                "team_id": press.team_id,
                "player_id": press.player_id,
                "effective_at": press.effective_at,
                "source": "box" if press.source.startswith("box") else "tablet",
            }
            for press in photo.presses
        ],
        "window_opened_at": photo.window_opened_at,
        "window_closed_at": photo.window_closed_at,
        "resolution_us": photo.resolution_us,
        "tied": list(photo.tied),
        "draw": photo.draw,
        "winner": photo.winner,
    }


def _public_question(state: ContestState, q: QuestionState) -> View:
    """The question as everyone sees it; answer data only once it is revealed."""
    last_photo = q.photo_finishes[-1] if q.photo_finishes else None
    view: View = {
        "round_index": q.round_index,
        "index": q.question_index,
        "phase": q.phase,
        "shown_at": q.shown_at,
        "deadline": q.deadline,
        # senior mode (docs/game-rules.md): the teams with their own deadline (None: untimed),
        # and when the answers lock by themselves (None: when the host locks them)
        "team_deadlines": dict(q.team_deadlines),
        "answers_lock_at": lock_due(q) if q.phase == "answers_open" else None,
        "opens_at": q.opens_at,
        "closes_at": q.closes_at,
        "answer_deadline": q.answer_deadline,
        "answering_team": q.answering_team,
        "locked_out": sorted(q.locked_out),
        "false_started": sorted(q.false_started),
        "answered_teams": sorted(q.answers) if q.kind != "buzzer" else [],
        "buzz": public_photo_finish(last_photo) if last_photo else None,
        "judged": {t: v for t, v in q.verdicts.items()} if q.kind == "buzzer" else {},
        "question": public_question(q.question, q.order),
        "answer": None,
        "explanation": None,
        "results": None,
    }
    if q.phase == "revealed":
        view["answer"] = correct_answer(q.question)
        view["explanation"] = dict(q.question.explanation)
        view["results"] = {
            team_id: {
                "answer": _answer_data(q, team_id, state),
                "verdict": q.verdicts.get(team_id),
                "points": q.awarded.get(team_id, 0),
            }
            for team_id in state.teams
        }
    return view


def _timers(state: ContestState) -> list[View]:
    return [msgspec.to_builtins(t) for t in pending_timers(state)]


def host_view(state: ContestState, *, with_players: bool = True) -> View:
    """Everything, for the host console (``players`` left out when ``with_players`` is false:
    the list is long and rarely changes, so the fan-out sends it only when it has)."""
    view: View = {
        "role": "host",
        "contest": _contest(state),
        "scoreboard": scoreboard(state),
        "round": _round(state),
        "rounds": [_round_summary(state, i, r) for i, r in enumerate(state.rounds)],
        "teams": [msgspec.to_builtins(t) for t in state.teams.values()],
        "question": None,
        "timers": _timers(state),
    }
    if with_players:
        view["players"] = [msgspec.to_builtins(p) for p in state.players.values()]
    # every photo finish of the contest, for disputes (the host console's list)
    view["buzz_decisions"] = [msgspec.to_builtins(d) for d in state.buzz_decisions]
    q = state.question
    if q is not None:
        shown = _public_question(state, q)
        suggestions: dict[str, str] = {}
        for team_id, record in q.answers.items():
            verdict = check_answer(q.question, record.answer)
            suggestions[team_id] = verdict.value
        shown.update(
            buzz=msgspec.to_builtins(q.photo_finishes[-1]) if q.photo_finishes else None,
            answer=correct_answer(q.question),
            explanation=dict(q.question.explanation),
            source=q.question.source,
            answers={t: _answer_data(q, t, state) for t in q.answers},
            verdicts=dict(q.verdicts),
            suggested_verdicts=suggestions,
            pending=[t for t, v in q.verdicts.items() if v == Verdict.PENDING.value],
            awarded=dict(q.awarded),
            presses=[msgspec.to_builtins(p) for p in q.presses],
            photo_finishes=[msgspec.to_builtins(p) for p in q.photo_finishes],
            can_undo=bool(q.undo_stack)
            and (q.kind != "buzzer" or q.phase not in ("revealed", "skipped")),
            undo_team=q.undo_stack[-1].team_id if q.undo_stack else None,
        )
        view["question"] = shown
    return view


def _round_summary(state: ContestState, index: int, round_: Round) -> View:
    return {
        "index": index,
        "id": round_.id,
        "title": dict(round_.title),
        "kind": round_.kind,
        "tiebreak": round_.tiebreak,
        "question_count": len(round_.questions),
        "started": index in state.rounds_started,
        "active": state.round_active and state.round_index == index,
    }


def team_view(state: ContestState, team_id: str, *, with_members: bool = True) -> View:
    """What the players of ``team_id`` see on their tablets (``members`` left out when
    ``with_members`` is false, as for ``host_view``'s players)."""
    team = state.teams.get(team_id)
    view: View = {
        "role": "player",
        "team": msgspec.to_builtins(team) if team else None,
        "contest": _contest(state),
        "scoreboard": scoreboard(state),
        "round": _round(state),
        "question": None,
    }
    if with_members:
        view["members"] = [
            {"id": p.id, "display_name": p.display_name}
            for p in state.players.values()
            if p.team_id == team_id
        ]
    q = state.question
    if q is not None:
        shown = _public_question(state, q)
        round_ = state.current_round
        shown["my_answer"] = _answer_data(q, team_id, state)
        # the team's own deadline (senior mode: later, or None when untimed)
        shown["my_deadline"] = team_deadline(q, team_id) if q.kind != "buzzer" else None
        shown["my_turn"] = q.answering_team == team_id and q.phase == "answering"
        shown["locked_out"] = sorted(q.locked_out)
        shown["can_play"] = round_ is not None and (round_.teams is None or team_id in round_.teams)
        view["question"] = shown
    return view


def display_view(state: ContestState) -> View:
    """A venue's big screen (it picks its own language from the per-language maps)."""
    q = state.question
    return {
        "role": "display",
        "contest": _contest(state),
        "scoreboard": scoreboard(state),
        "round": _round(state),
        "teams": [msgspec.to_builtins(t) for t in state.teams.values()],
        "question": _public_question(state, q) if q is not None else None,
    }


def audience_view(state: ContestState) -> View:
    """The public audience: the scoreboard and the question as it is shown."""
    q = state.question
    return {
        "role": "audience",
        "contest": _contest(state),
        "scoreboard": scoreboard(state),
        "round": _round(state),
        "question": _public_question(state, q) if q is not None else None,
    }
