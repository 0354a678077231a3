"""The agent's outbox: presses not yet acknowledged by the server, kept on disk.

Theory of operation
-------------------
Every press gets an id that is never used again by this installation: a random prefix drawn once
and kept in the state file, and a counter (``"k3x9q2a1-17"``). Resending a message with the same
id is idempotent on the server, across its restarts (docs/protocol.md §3.4), so a press is sent
again — on every new connection, and after an agent restart — until it is acknowledged or refused,
and it counts once.

The state file is small JSON, written whole to a temporary file beside it and renamed over the
old one (atomic on POSIX), after every change. Press times are readings of this machine's
monotonic clock, which restarts when the machine does, so the file also records the kernel's boot
id: presses of another boot are dropped on load (their times mean nothing now). That is also why
a change is not fsync-ed: the renamed file survives a crash or kill of the agent, and only a crash
of the machine could lose the newest change — after which its presses would be dropped anyway. (An
id the lost change had used may then be used again, for a press of other content, which the
server takes as a new message: docs/protocol.md §3.4.) An fsync per press and per ack stalled the
agent's loop for up to tens of milliseconds on a busy disk, delaying presses and pongs
(docs/performance.md, the agent benchmark); the file is fsync-ed when it is loaded and when the
agent stops (``save(durable=True)``).

The outbox is bounded: when it is full the oldest press is dropped (and reported) to make room. A
press older than ``max_age_ns`` is dropped before it is sent: it belongs to a question long over,
and sent now it could be counted for the next one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

log = logging.getLogger(__name__)

STATE_VERSION = 1
BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")


@dataclass(frozen=True, slots=True)
class PendingPress:
    """A press waiting for its ack (the fields of the ``press`` message, docs/protocol.md §3.4)."""

    id: str
    team_id: str
    pressed_at: float  # ms on this machine's monotonic clock
    bound: float  # ms
    channel: int
    box: str | None

    def message(self) -> dict[str, object]:
        """The ``press`` message."""
        body: dict[str, object] = {"type": "press", **asdict(self)}
        if self.box is None:
            del body["box"]
        return body


def machine_boot_id() -> str:
    """The kernel's id of this boot (empty where there is none)."""
    try:
        return BOOT_ID_PATH.read_text(encoding="ascii").strip()
    except OSError:
        return ""


class Outbox:
    """Unacknowledged presses in send order, mirrored to ``path``."""

    def __init__(self, path: Path, *, limit: int, boot_id: str | None = None) -> None:
        self.path = path
        self.limit = limit
        self.boot_id = machine_boot_id() if boot_id is None else boot_id
        self.prefix = secrets.token_hex(4)
        self.counter = 0
        self.dropped = 0  # presses dropped because the outbox was full or they were too old
        self._pending: OrderedDict[str, PendingPress] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, press_id: object) -> bool:
        return press_id in self._pending

    def pending(self) -> list[PendingPress]:
        """The presses waiting, oldest first."""
        return list(self._pending.values())

    def load(self) -> list[str]:
        """Read the state file if there is one; returns what the operator should know.

        A missing file is a first start; an unreadable one is set aside (renamed ``.bad``) and
        the agent starts afresh with a new prefix, so ids are never reused either way.
        """
        notes: list[str] = []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            prefix, counter = str(data["prefix"]), int(data["counter"])
            presses = [PendingPress(**item) for item in data["pending"]]
            boot = str(data.get("boot_id", ""))
        except FileNotFoundError:
            self.save(durable=True)
            return notes
        except (OSError, ValueError, KeyError, TypeError) as exc:
            bad = self.path.with_name(self.path.name + ".bad")
            with contextlib.suppress(OSError):
                self.path.replace(bad)
            notes.append(f"state file {self.path} was unreadable ({exc}); kept as {bad}")
            self.save(durable=True)
            return notes
        self.prefix, self.counter = prefix, counter
        if boot != self.boot_id and presses:
            notes.append(
                f"{len(presses)} unsent presses are from before this computer restarted: dropped"
            )
            presses = []
        for press in presses[-self.limit :]:
            self._pending[press.id] = press
        if self._pending:
            notes.append(f"{len(self._pending)} unacknowledged presses will be sent again")
        self.save(durable=True)
        return notes

    def add(
        self, team_id: str, pressed_at: float, bound: float, channel: int, box: str | None
    ) -> PendingPress:
        """A new press with a fresh id, saved before it is sent."""
        self.counter += 1
        press = PendingPress(
            f"{self.prefix}-{self.counter}", team_id, pressed_at, bound, channel, box
        )
        while len(self._pending) >= self.limit:
            _, oldest = self._pending.popitem(last=False)
            self.dropped += 1
            log.warning("outbox full (%d): dropped the oldest press %s", self.limit, oldest.id)
        self._pending[press.id] = press
        self.save()
        return press

    def remove(self, press_id: str) -> PendingPress | None:
        """Forget a press (acknowledged or refused); None if it was not waiting."""
        press = self._pending.pop(press_id, None)
        if press is not None:
            self.save()
        return press

    def expire(
        self, now_ms: float, max_age_ms: float, keep: Collection[str] = ()
    ) -> list[PendingPress]:
        """Drop and return the presses older than ``max_age_ms`` (except the ids in ``keep``)."""
        old = [
            p
            for p in self._pending.values()
            if now_ms - p.pressed_at > max_age_ms and p.id not in keep
        ]
        for press in old:
            del self._pending[press.id]
        if old:
            self.dropped += len(old)
            self.save()
        return old

    def save(self, *, durable: bool = False) -> None:
        """Write the state file atomically (temporary file, rename); ``durable``: fsync it too."""
        state = {
            "version": STATE_VERSION,
            "prefix": self.prefix,
            "counter": self.counter,
            "boot_id": self.boot_id,
            "pending": [asdict(p) for p in self._pending.values()],
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(state, out)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        temporary.replace(self.path)
