"""Disputes: re-decide every buzz of a contest from its event log and compare.

Theory of operation (docs/game-rules.md, "Buzz arbitration")
-----------------------------------------------------------
Every buzz decision is logged with all its inputs: each ``BuzzAccepted`` (and each
``PressRefused``: a press that did not take part, with its reason) carries the press as the
server mapped it (the device's claim and the clock estimate in ``press.clock``, the bound, the
arrival, the allowed path, the compensation, the source, box and channel), and each
``BuzzAwarded`` the photo finish. ``redecide`` folds the log with ``game.state.apply`` and, at
each of those events, decides again from the state before it with the engine's own functions:

- a press: the clamp (``effective_press``) and the tablet compensation the player had, and —
  when the log has the clock inputs — the mapping of the claim onto the server clock;
- a photo finish: ``decide_buzz`` over the presses the window collected, with the round's
  resolution, the contest seed and the same draw context.

Any difference is returned as a ``Mismatch``; an honest log gives none. Logs written before a
field existed replay with its default (no compensation, no box, no clock inputs). Pure: no clock,
no I/O. A log that cannot be folded at all raises ``EngineBug``, as in ``game.state.replay``.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from game import events as ev
from game.buzz import decide_buzz, effective_press
from game.model import BuzzerRules
from game.state import ContestState, apply


class Mismatch(msgspec.Struct, frozen=True, kw_only=True):
    """A logged decision that the log's own inputs do not reproduce.

    Attributes:
        index: the event's position in the log.
        what: which part differs (``press_time``, ``effective``, ``compensation``, ``photo``).
        logged: the logged value; ``redecided``: the value decided again.
    """

    index: int
    what: str
    logged: object
    redecided: object


def _press(state: ContestState, index: int, press: ev.Press) -> list[Mismatch]:
    out: list[Mismatch] = []
    if press.clock is not None:
        mapped = int((press.clock.claim_ms - press.clock.offset_ms) * 1000)
        if mapped != press.pressed_at:
            out.append(
                Mismatch(index=index, what="press_time", logged=press.pressed_at, redecided=mapped)
            )
    compensation = 0
    player = state.players.get(press.player_id) if press.player_id is not None else None
    if press.source == "tablet" and player is not None:
        compensation = player.touch_latency_us
    if compensation != press.compensation_us:
        out.append(
            Mismatch(
                index=index,
                what="compensation",
                logged=press.compensation_us,
                redecided=compensation,
            )
        )
    clamped, _ = effective_press(press.pressed_at, press.arrived_at, press.allowed_path_us)
    effective = clamped - press.compensation_us
    if effective != press.effective_at:
        out.append(
            Mismatch(index=index, what="effective", logged=press.effective_at, redecided=effective)
        )
    return out


def _photo(state: ContestState, index: int, awarded: ev.BuzzAwarded) -> list[Mismatch]:
    q = state.question
    round_ = state.current_round
    if q is None or round_ is None or not isinstance(round_.rules, BuzzerRules):
        return [Mismatch(index=index, what="photo", logged=awarded.photo, redecided=None)]
    assert q.window_opened_at is not None  # a BuzzAwarded follows the window's first press
    photo = decide_buzz(
        q.presses,
        window_opened_at=q.window_opened_at,
        window_closed_at=awarded.at,
        resolution_us=round_.rules.tie_resolution_us,
        seed=state.seed,
        context=(q.round_index, q.question_index, len(q.photo_finishes)),
    )
    if photo != awarded.photo:
        return [Mismatch(index=index, what="photo", logged=awarded.photo, redecided=photo)]
    return []


def redecide(events: Iterable[ev.Event]) -> list[Mismatch]:
    """Decide every buzz of the log again from its logged inputs; the differences, if any."""
    state = ContestState()
    out: list[Mismatch] = []
    for index, event in enumerate(events):
        if isinstance(event, ev.BuzzAccepted | ev.PressRefused):
            out += _press(state, index, event.press)
        elif isinstance(event, ev.BuzzAwarded):
            out += _photo(state, index, event)
        state = apply(state, event)
    return out
