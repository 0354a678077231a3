"""Scoring of all-play and estimation questions (docs/game-rules.md, "Scoring").

Theory of operation
-------------------
When an all-play question locks, every team's latest answer gets an automatic verdict:
``correct``, ``wrong``, or ``pending`` (an open answer nobody listed; the host judges it).
Questions where the closest team wins — estimation questions anywhere, and every question of an
estimation round — are ranked across teams instead: the closest teams are ``correct``, the rest
``wrong``.

Points are paid at the reveal (and at a later judgement), never earlier, so the scoreboard never
hints at the answer. ``points_for_team`` is the single rule for how much a team's verdict is worth;
undo and re-judging use the same rule, so a score is always the sum of its events.
"""

from __future__ import annotations

from game.model import AllPlayRules, EstimationRules, Round
from game.questions import (
    Estimation,
    NumberAnswer,
    Numeric,
    Question,
    Verdict,
    check_answer,
    estimation_distance,
)
from game.state import AnswerRecord, QuestionState


def closest_wins(round_: Round, question: Question) -> bool:
    """Whether the closest team wins this question rather than everyone within tolerance."""
    return isinstance(question, Estimation) or (
        round_.kind == "estimation" and isinstance(question, Numeric)
    )


def _distance(question: Question, record: AnswerRecord) -> float:
    assert isinstance(question, Numeric | Estimation)
    assert isinstance(record.answer, NumberAnswer)
    return estimation_distance(question, record.answer.value)


def automatic_verdicts(round_: Round, q: QuestionState) -> dict[str, str]:
    """The verdict on every team's answer at the lock."""
    question = q.question
    if closest_wins(round_, question):
        if not q.answers:
            return {}
        distances = {team: _distance(question, rec) for team, rec in q.answers.items()}
        best = min(distances.values())
        return {team: "correct" if d == best else "wrong" for team, d in distances.items()}
    return {team: check_answer(question, rec.answer).value for team, rec in q.answers.items()}


def points_for_team(
    round_: Round, q: QuestionState, team_id: str, verdict: str | None
) -> list[tuple[str, int]]:
    """The points a team earns on ``q`` with ``verdict``, as (reason, points) parts."""
    question = q.question
    record = q.answers.get(team_id)
    if record is None:
        return []
    full = round_.points_for(question)
    parts: list[tuple[str, int]] = []
    if closest_wins(round_, question):
        if verdict == Verdict.CORRECT.value:
            parts.append(("closest", full))
        elif isinstance(round_.rules, EstimationRules) and round_.rules.graded:
            graded = _graded_points(round_.rules, question, record)
            if graded:
                parts.append(("graded", graded))
        return parts
    if verdict != Verdict.CORRECT.value:
        return []
    parts.append(("correct", full))
    # Rule (docs/game-rules.md, "Senior and accessible mode"): the speed bonus measures speed,
    # which a team in extended or untimed mode is not competing on — it never earns one.
    senior = record.time_mode != "standard" or team_id in q.team_deadlines
    if (
        isinstance(round_.rules, AllPlayRules)
        and round_.rules.speed_bonus
        and q.deadline
        and not senior
    ):
        total = round_.time_limit_us(question)
        share = min(1.0, max(0.0, record.remaining_us / total))
        bonus = round(round_.rules.speed_bonus * share)
        if bonus:
            parts.append(("speed_bonus", bonus))
    return parts


def _graded_points(rules: EstimationRules, question: Question, record: AnswerRecord) -> int:
    assert isinstance(question, Numeric | Estimation)
    distance = _distance(question, record)
    scale = abs(question.value) or 1.0
    percent = 100.0 * distance / scale
    earned = [band.points for band in rules.graded if percent <= band.within_percent]
    return max(earned, default=0)
