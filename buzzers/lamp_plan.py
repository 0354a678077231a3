"""Which lamp of the venue's teams shows what, from the view the server sends: pure functions.

Theory of operation
-------------------
The agent listens to the venue big screens' stream (docs/protocol.md §3.3, §5: ``display``
view). From the current question's ``phase``, ``locked_out`` and ``answering_team`` it decides
for each of its teams a lamp mode and whether the boxes are armed (docs/buzzers.md, "Lamps"):

    situation                                    lamps of the agent's teams        boxes
    -------------------------------------------  --------------------------------  --------
    buzzer check on (host's test mode)           every team blinks; a team whose   ARM
                                                 press was just seen is steady
    buzzers open (phase open, collecting)        playing, not locked out: blink;   ARM
                                                 locked out or not playing: off
    a team answers (phase answering)             that team steady, the rest off    DISARM
    anything else (no question, shown, armed,    all off                           DISARM
    closed, revealed, all-play, paused, setup)

``lamp_plan`` computes that from plain data; ``LampBoard`` turns plans into the few box commands
that change something, per box, and forgets what a box shows when it reopens so that everything
is sent again. Neither reads a clock or does I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from buzzers.bz1 import Arm, Disarm, HostCommand, Lamp, LampMode

OPEN_PHASES = frozenset({"open", "collecting"})


@dataclass(frozen=True, slots=True)
class LampPlan:
    """Lamp mode per team and whether the boxes are armed."""

    modes: Mapping[str, LampMode]
    armed: bool


def lamp_plan(
    view: Mapping[str, Any] | None,
    teams: Collection[str],
    *,
    check: bool = False,
    flashing: Collection[str] = (),
) -> LampPlan:
    """The lamps of ``teams`` for the display ``view`` (None: no view yet).

    Args:
        view: the ``view`` object of the newest display view message.
        teams: the teams this agent has buzzers for.
        check: the host's buzzer check is on.
        flashing: teams whose press the buzzer check just showed (lit steady for a moment).
    """
    off = dict.fromkeys(teams, LampMode.OFF)
    if check:
        modes = {t: LampMode.ON if t in flashing else LampMode.BLINK for t in teams}
        return LampPlan(modes, True)
    if not view:
        return LampPlan(off, False)
    contest = view.get("contest") or {}
    question = view.get("question")
    if contest.get("status") != "running" or contest.get("paused") or not question:
        return LampPlan(off, False)
    phase = question.get("phase")
    if phase in OPEN_PHASES:
        locked = set(question.get("locked_out") or ())
        round_ = view.get("round") or {}
        playing = round_.get("teams")
        modes = {
            t: LampMode.BLINK
            if t not in locked and (playing is None or t in playing)
            else LampMode.OFF
            for t in teams
        }
        return LampPlan(modes, True)
    if phase == "answering":
        answering = question.get("answering_team")
        return LampPlan({**off, **({answering: LampMode.ON} if answering in off else {})}, False)
    return LampPlan(off, False)


@dataclass
class LampBoard:
    """What each box was last told; ``commands`` gives only what changed."""

    _shown: dict[int, dict[int, LampMode]] = field(default_factory=dict)
    _armed: dict[int, bool] = field(default_factory=dict)

    def forget(self, box: int) -> None:
        """The box reopened or rebooted: it shows nothing we know of; send everything again."""
        self._shown.pop(box, None)
        self._armed.pop(box, None)

    def commands(
        self, box: int, channels: Mapping[int, str], plan: LampPlan, *, can_arm: bool = True
    ) -> list[HostCommand]:
        """The bz1 commands that bring box ``box`` (channel → team) to ``plan``."""
        shown = self._shown.setdefault(box, {})
        out: list[HostCommand] = []
        if can_arm and self._armed.get(box) != plan.armed:
            out.append(Arm() if plan.armed else Disarm())
            self._armed[box] = plan.armed
        for channel, team in sorted(channels.items()):
            mode = plan.modes.get(team, LampMode.OFF)
            if shown.get(channel) != mode:
                out.append(Lamp(channel, mode))
                shown[channel] = mode
        return out
