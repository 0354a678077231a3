"""The host side of one bz1 box link, without I/O: bytes and time in, events and bytes out.

Theory of operation
-------------------
A transport (``buzzers.transport``) owns the port and calls, always with the host monotonic time:
``connection_made(at)`` when the port opens, ``receive_data(data, at)`` for every chunk read,
``tick(at)`` often (at least every 50 ms), and ``connection_lost(at, reason)`` when the port fails
or ``is_silent(at)`` says the box has been quiet for ``HEARTBEAT_TIMEOUT_NS``. It drains
``data_to_send()`` to the port and ``events_received()`` to its listener.

Phases (every transition is in this table; nothing else changes the phase)::

    phase          event                               next phase    action
    -------------  ----------------------------------  ------------  ------------------------------
    CLOSED         connection_made                     HELLO_WAIT    send "?"
    HELLO_WAIT     HELLO, boot known and clock fitted  READY         Connected; replay held lines
    HELLO_WAIT     HELLO, new boot                     SYNCING       Connected (+ Resync); reset
    SYNCING        enough sync samples                 READY         Synchronised; replay held lines
    SYNCING/READY  HELLO with another boot             SYNCING       Resync; reset clock
    any open       connection_lost                     CLOSED        Disconnected

Presses (``P``) and releases (``R``) that arrive before READY are held, not dropped, and are
replayed in order once the clock is fitted: nothing the box reports after it is back is lost. While
HELLO_WAIT nothing is unwrapped, because the box may have rebooted while it was away. Sync pings go
out every ``burst_interval_ns`` while SYNCING and every ``sync_interval_ns`` when READY; lamp and
arm commands are remembered and sent again after a reconnection or reboot, since a box that lost
power forgot them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from buzzers.bz1 import (
    U16,
    Arm,
    Bz1Decoder,
    Disarm,
    Err,
    Heartbeat,
    Hello,
    HostCommand,
    Lamp,
    LampMode,
    Ok,
    PressReport,
    Query,
    ReleaseReport,
    SyncPing,
    SyncReply,
    encode_command,
)
from buzzers.clock import BoxClock
from buzzers.events import (
    BoxError,
    Capabilities,
    CommandDone,
    Connected,
    Disconnected,
    LinesLost,
    LinkStats,
    Press,
    Release,
    Resync,
    SourceEvent,
    Synchronised,
)
from buzzers.framing import LineStats

HEARTBEAT_TIMEOUT_NS = 3_000_000_000  # protocol: no line for 3 s means the box is gone
SYNC_INTERVAL_NS = 250_000_000  # a local USB line: pinging four times a second costs nothing
BURST_INTERVAL_NS = 100_000_000
SYNC_SAMPLES = 8  # samples before a new clock is trusted
HELLO_RETRY_NS = 1_000_000_000
PING_EXPIRY_NS = 2_000_000_000


class Phase(enum.Enum):
    """Where the link stands (see the table in the module docstring)."""

    CLOSED = "closed"
    HELLO_WAIT = "hello_wait"
    SYNCING = "syncing"
    READY = "ready"


@dataclass(frozen=True, slots=True)
class _Held:
    report: PressReport | ReleaseReport
    arrived_ns: int


class Bz1Session:
    """Sans-I/O state of the link to one bz1 box (reused across reconnections)."""

    source = "bz1"

    def __init__(
        self,
        port: str,
        *,
        sync_interval_ns: int = SYNC_INTERVAL_NS,
        burst_interval_ns: int = BURST_INTERVAL_NS,
        sync_samples: int = SYNC_SAMPLES,
        heartbeat_timeout_ns: int = HEARTBEAT_TIMEOUT_NS,
    ) -> None:
        self.port = port
        self.phase = Phase.CLOSED
        self.hello: Hello | None = None
        self.boot: str | None = None
        self.clock = BoxClock()
        self._sync_interval_ns = sync_interval_ns
        self._burst_interval_ns = burst_interval_ns
        self._sync_samples = sync_samples
        self._heartbeat_timeout_ns = heartbeat_timeout_ns
        self._decoder = Bz1Decoder()
        self._out = bytearray()
        self._events: list[SourceEvent] = []
        self._held: list[_Held] = []
        self._pings: dict[str, int] = {}
        self._token = 0
        self._next_ping_ns = 0
        self._next_hello_ns = 0
        self._last_heard_ns = 0
        self._expected_seq: int | None = None
        self._reported_stats = LineStats()
        self._lamps: dict[int | None, Lamp] = {}
        self._armed: Arm | Disarm | None = None

    # --- what the transport calls ----------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        """Boxes stamp presses and drive lamps; the channel count comes with HELLO."""
        return Capabilities(True, True, self.hello.channels if self.hello else None)

    @property
    def stats(self) -> LineStats:
        """Damaged and skipped lines so far."""
        return self._decoder.stats

    def connection_made(self, at_ns: int) -> None:
        """The port opened: ask the box who it is."""
        self.phase = Phase.HELLO_WAIT
        self._last_heard_ns = at_ns
        self._send(Query())
        self._next_hello_ns = at_ns + HELLO_RETRY_NS

    def connection_lost(self, at_ns: int, reason: str) -> None:
        """The port closed or failed; held lines stay held for when the box is back."""
        if self.phase is Phase.CLOSED:
            return
        self._decoder.reset()
        self._pings.clear()
        self._out.clear()
        self.phase = Phase.CLOSED
        self._events.append(Disconnected(self.port, reason))
        self._report_stats()

    def receive_data(self, data: bytes, at_ns: int) -> None:
        """Bytes arrived from the box at host time ``at_ns``."""
        for message in self._decoder.feed(data):
            self._last_heard_ns = at_ns
            match message:
                case Hello():
                    self._on_hello(message, at_ns)
                case PressReport() | ReleaseReport():
                    self._on_report(message, at_ns)
                case Heartbeat(t_us):
                    if self.phase in (Phase.SYNCING, Phase.READY):
                        self.clock.unwrap(t_us)
                case SyncReply():
                    self._on_sync_reply(message, at_ns)
                case Err(code, text):
                    self._events.append(BoxError(code, text))
                case Ok(command):
                    self._events.append(CommandDone(command))
        self._report_stats()

    def tick(self, at_ns: int) -> None:
        """Time passed: send due pings and HELLO queries, forget unanswered pings."""
        if self.phase is Phase.HELLO_WAIT and at_ns >= self._next_hello_ns:
            self._send(Query())
            self._next_hello_ns = at_ns + HELLO_RETRY_NS
        if self.phase in (Phase.SYNCING, Phase.READY) and at_ns >= self._next_ping_ns:
            self._token = (self._token + 1) % (1 << 32)
            token = f"{self._token:x}"
            self._pings[token] = at_ns
            self._send(SyncPing(token))
            syncing = self.phase is Phase.SYNCING
            self._next_ping_ns = at_ns + (
                self._burst_interval_ns if syncing else self._sync_interval_ns
            )
        for token, sent in list(self._pings.items()):
            if at_ns - sent > PING_EXPIRY_NS:
                del self._pings[token]

    def is_silent(self, at_ns: int) -> bool:
        """True when an open link has heard no valid line for the heartbeat timeout."""
        return (
            self.phase is not Phase.CLOSED
            and at_ns - self._last_heard_ns > self._heartbeat_timeout_ns
        )

    def send(self, command: HostCommand) -> None:
        """Queue a command for the box; lamp and arm commands are remembered for reconnections."""
        if isinstance(command, Lamp):
            if command.channel is None:
                self._lamps.clear()
            self._lamps[command.channel] = command
        elif isinstance(command, Arm | Disarm):
            self._armed = command
        if self.phase is not Phase.CLOSED:
            self._send(command)

    def set_lamp(self, channel: int | None, mode: LampMode) -> None:
        """Set one lamp (or all with ``channel=None``)."""
        self.send(Lamp(channel, mode))

    def data_to_send(self) -> bytes:
        """The bytes to write to the port now."""
        out = bytes(self._out)
        self._out.clear()
        return out

    def events_received(self) -> list[SourceEvent]:
        """The events since the last call, oldest first."""
        events, self._events = self._events, []
        return events

    # --- inside ----------------------------------------------------------------------------------

    def _send(self, command: HostCommand) -> None:
        self._out += encode_command(command)

    def _restore_outputs(self) -> None:
        for lamp in self._lamps.values():
            self._send(lamp)
        if self._armed is not None:
            self._send(self._armed)

    def _on_hello(self, hello: Hello, at_ns: int) -> None:
        self.hello = hello
        first = self.phase is Phase.HELLO_WAIT
        if first:
            self._events.append(Connected(self.port, hello))
        if hello.boot == self.boot and self.clock.fit is not None:
            if first:
                self.phase = Phase.READY
                self._next_ping_ns = at_ns
                self._restore_outputs()
                self._replay_held()
            return
        if self.boot is not None and hello.boot != self.boot:
            self._events.append(Resync(self.boot, hello.boot))
            if self.phase is Phase.SYNCING and self.clock.fit is not None:
                self._replay_held()  # lines of the old boot, on the best fit it had
        elif not first:
            return  # a repeated HELLO of a boot still synchronising
        # A box counts from 0 at power-up; only a reboot seen while connected tells us so.
        self._expected_seq = 0 if self.boot is not None else None
        self.boot = hello.boot
        self.clock.reset()
        self._pings.clear()
        self.phase = Phase.SYNCING
        self._next_ping_ns = at_ns
        self._restore_outputs()

    def _on_report(self, report: PressReport | ReleaseReport, at_ns: int) -> None:
        if self.phase is Phase.READY:
            self._emit(report)
        else:
            self._held.append(_Held(report, at_ns))

    def _on_sync_reply(self, reply: SyncReply, at_ns: int) -> None:
        sent = self._pings.pop(reply.token, None)
        if sent is None or self.phase not in (Phase.SYNCING, Phase.READY):
            return
        self.clock.add_sample(sent, at_ns, reply.t_rx_us, reply.t_tx_us)
        fit = self.clock.fit
        if self.phase is Phase.SYNCING and self.clock.sample_count >= self._sync_samples and fit:
            self.phase = Phase.READY
            self._next_ping_ns = at_ns + self._sync_interval_ns
            self._events.append(
                Synchronised(
                    self.boot or "",
                    self.clock.sample_count,
                    fit.drift,
                    round(fit.center_bound_ns),
                )
            )
            self._replay_held()

    def _replay_held(self) -> None:
        held, self._held = self._held, []
        for item in held:
            self._emit(item.report)

    def _emit(self, report: PressReport | ReleaseReport) -> None:
        # Sequence numbers count P and R lines; a gap means lines were lost (protocol, "P").
        if self._expected_seq is not None and report.seq != self._expected_seq:
            gap = (report.seq - self._expected_seq) % U16
            if gap < U16 // 2:
                self._events.append(LinesLost(gap, self._expected_seq, report.seq))
        self._expected_seq = (report.seq + 1) % U16
        estimate = self.clock.estimate(report.t_us)
        cls = Press if isinstance(report, PressReport) else Release
        self._events.append(
            cls(
                channel=report.channel,
                seq=report.seq,
                host_ns=estimate.host_ns,
                bound_ns=estimate.bound_ns,
                source=self.source,
                device_us=report.t_us,
            )
        )

    def _report_stats(self) -> None:
        stats = self._decoder.stats
        if stats.rejected != self._reported_stats.rejected:
            self._events.append(LinkStats(stats))
        self._reported_stats = stats
