"""Buzz arbitration: who pressed first, fairly, across venues with different network paths.

Theory of operation (docs/game-rules.md, "Buzz arbitration")
-----------------------------------------------------------
A press reaches the engine with three times on the server clock: ``pressed_at`` (the device's
press time, mapped by clock sync), its error bound, and ``arrived_at``. A client can only be as
early as its measured path allows, so a claim earlier than ``arrived_at - allowed_path_us`` is
clamped to that instant (anti-cheat); a claim after its own arrival is clamped to the arrival.

The first valid arrival opens a collection window; presses that arrive inside it compete. When
it closes, the earliest effective press wins. Presses closer to the earliest than the round's
resolution are a tie, broken by a draw from the contest seed — deterministic, so a replay draws
the same team, and recorded in the photo finish. Two presses stamped by the same buzzer box are
never a tie unless their box times are equal: one clock stamped both, so its order is exact.
"""

from __future__ import annotations

import hashlib

from game.events import PhotoFinish, Press


def effective_press(pressed_at: int, arrived_at: int, allowed_path_us: int) -> tuple[int, bool]:
    """The press time the engine believes, and whether the claim had to be clamped."""
    earliest_possible = arrived_at - max(0, allowed_path_us)
    effective = min(max(pressed_at, earliest_possible), arrived_at)
    return effective, effective != pressed_at


def seeded_draw(seed: int, *context: int) -> int:
    """A number from 0 to 2**32 - 1 that depends only on the seed and the context."""
    material = ":".join(str(part) for part in (seed, *context)).encode()
    return int.from_bytes(hashlib.sha256(material).digest()[:4], "big")


def decide_buzz(
    presses: tuple[Press, ...],
    *,
    window_opened_at: int,
    window_closed_at: int,
    resolution_us: int,
    seed: int,
    context: tuple[int, ...],
) -> PhotoFinish:
    """Pick the winner among the presses of one collection window.

    Args:
        presses: the valid presses of the window, one per team, in arrival order.
        window_opened_at: arrival time of the first valid press.
        window_closed_at: when the window closed.
        resolution_us: presses strictly closer than this to the earliest one tie with it.
        seed: the contest's seed.
        context: round, question and attempt numbers, so every draw differs.
    """
    ordered = tuple(sorted(presses, key=lambda p: (p.effective_at, p.team_id)))
    earliest = ordered[0].effective_at
    # the earliest press always takes part; at a resolution of 0 only equal times tie
    close = [p for p in ordered if p.effective_at - earliest < max(1, resolution_us)]
    # Rule (docs/game-rules.md, "Ties"): presses on one box share one clock, so the box's own
    # order stands between them — no tie tolerance; only an identical box time still ties.
    first_on_box: dict[str, int] = {}
    for press in close:
        if press.box is not None:
            first_on_box.setdefault(press.box, press.effective_at)  # ``close`` is in time order
    tied = tuple(
        sorted(p.team_id for p in close if p.box is None or p.effective_at == first_on_box[p.box])
    )
    draw: int | None = None
    winner = tied[0]
    if len(tied) > 1:
        draw = seeded_draw(seed, *context)
        winner = tied[draw % len(tied)]
    return PhotoFinish(
        presses=ordered,
        window_opened_at=window_opened_at,
        window_closed_at=window_closed_at,
        resolution_us=resolution_us,
        tied=tied,
        draw=draw,
        winner=winner,
    )
