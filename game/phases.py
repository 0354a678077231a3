"""The question phase machine, as one table.

Every question is in one phase at a time. A phase changes only through a named transition listed
in ``TRANSITIONS``; ``next_phase`` raises ``WrongPhase`` for anything not in the table, and the
engine asks it *before* it emits an event, so an illegal command changes nothing.

Buzzer questions::

    shown ──arm──► armed ──open──► open
      │              │ first_press    │ first_press
      │              ▼                ▼
      │           collecting ◄────────┘  (press: more presses within the window)
      │              │ award
      │              ▼
      │           answering ──judge_correct──► closed ──reveal──► revealed
      │              │ judge_wrong_reopen ──► armed (the others may buzz again)
      │              │ judge_wrong_last ────► closed (nobody is left)
      └─ armed/open ──timeout / all_locked_out──► closed

    undo (from armed, open, collecting, answering or closed, after a verdict) ──► answering:
    back to the moment before the last verdict, the same team answering on a fresh answer clock
    (docs/game-rules.md, "Score adjustments and undo").

All-play and estimation questions::

    answers_open ──lock──► locked ──reveal──► revealed
                                (judge: the host's verdict on an answer, in locked or revealed)

From any phase but ``revealed`` and ``skipped`` a question can be skipped.
"""

from __future__ import annotations

from typing import Final, Literal

from game.errors import WrongPhase

Phase = Literal[
    "shown",
    "armed",
    "open",
    "collecting",
    "answering",
    "closed",
    "answers_open",
    "locked",
    "revealed",
    "skipped",
]

Transition = Literal[
    "arm",
    "open",
    "false_start",
    "forgive",
    "first_press",
    "press",
    "award",
    "answer",
    "judge_correct",
    "judge_wrong_reopen",
    "judge_wrong_last",
    "judge",
    "undo",
    "timeout",
    "all_locked_out",
    "lock",
    "reveal",
    "skip",
    "pause_shift",
]

_BUZZING: Final = {
    "false_start": "same",
    "forgive": "same",
    "pause_shift": "same",
    "skip": "skipped",
}

# phase -> transition -> next phase ("same" keeps the phase)
TRANSITIONS: Final[dict[str, dict[str, str]]] = {
    # buzzer questions
    "shown": {"arm": "armed", "all_locked_out": "closed", "reveal": "revealed", **_BUZZING},
    "armed": {
        "open": "open",
        "first_press": "collecting",
        "timeout": "closed",
        "all_locked_out": "closed",
        "reveal": "revealed",
        "undo": "answering",
        **_BUZZING,
    },
    "open": {
        "first_press": "collecting",
        "timeout": "closed",
        "all_locked_out": "closed",
        "reveal": "revealed",
        "undo": "answering",
        **_BUZZING,
    },
    "collecting": {"press": "same", "award": "answering", "undo": "answering", **_BUZZING},
    "answering": {
        "judge_correct": "closed",
        "judge_wrong_reopen": "armed",
        "judge_wrong_last": "closed",
        "undo": "answering",
        "answer": "same",
        **_BUZZING,
    },
    "closed": {"reveal": "revealed", "undo": "answering", "skip": "skipped"},
    # all-play and estimation questions
    "answers_open": {"answer": "same", "lock": "locked", "pause_shift": "same", "skip": "skipped"},
    "locked": {"judge": "same", "undo": "same", "reveal": "revealed", "skip": "skipped"},
    # final phases
    "revealed": {"judge": "same", "undo": "same"},
    "skipped": {},
}

FINAL_PHASES: Final = frozenset({"revealed", "skipped"})
"""Phases after which the host may move on to the next question (``closed`` too, for buzzer
questions the host chooses not to reveal)."""

BUZZER_PHASES: Final = frozenset({"shown", "armed", "open", "collecting", "answering", "closed"})


def can(phase: str, transition: Transition) -> bool:
    """Whether ``transition`` is allowed in ``phase``."""
    return transition in TRANSITIONS[phase]


def next_phase(phase: str, transition: Transition) -> Phase:
    """The phase after ``transition``; raises ``WrongPhase`` when the table does not allow it."""
    target = TRANSITIONS[phase].get(transition)
    if target is None:
        raise WrongPhase(f"cannot {transition.replace('_', ' ')} while the question is {phase}")
    return phase if target == "same" else target  # type: ignore[return-value]
