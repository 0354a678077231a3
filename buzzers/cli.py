"""``quiz buzzers``: test the buzzers before a contest, drive lamps, simulate a box.

- ``monitor PORT`` connects to a source (a bz1 box, a simple line box or a Buzz! set), prints one
  line per press on standard output (``--json``: one JSON object per press) and status lines —
  connected, synchronised, resync, disconnected, lost lines — on standard error.
- ``lamps PORT CH=MODE ...`` sets lamps and reports what the box answered.
- ``simulate`` runs a simulated bz1 box on a pseudo-terminal, driven by a script or standard
  input, and prints the true time of every press it makes.

The operator guide is docs/buzzers.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TextIO

from buzzers.bz1 import U32, LampMode
from buzzers.errors import BuzzerError, ConfigError
from buzzers.events import (
    BoxError,
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
    press_record,
)
from buzzers.lines import DEFAULT_LATENCY_NS, LinePattern, LinesSession, parse_map
from buzzers.session import Bz1Session
from buzzers.simbox import SimulatedBox, TrueEvent
from buzzers.simulator import PtySimulator, Step, parse_script
from buzzers.transport import PressSource, SerialLink

_MODES = {"0": LampMode.OFF, "off": LampMode.OFF, "1": LampMode.ON, "on": LampMode.ON}
_MODES |= {"b": LampMode.BLINK, "blink": LampMode.BLINK}


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the ``buzzers`` subcommands to ``parser``."""
    sub = parser.add_subparsers(dest="buzzers_command", metavar="SUBCOMMAND", required=True)

    monitor = sub.add_parser(
        "monitor", help="print every press of a buzzer box (test before a contest)"
    )
    _source_options(monitor, ("bz1", "lines", "buzz"))
    monitor.add_argument("--json", action="store_true", help="one JSON object per press")
    monitor.add_argument("--releases", action="store_true", help="print releases too")
    monitor.add_argument("--count", type=int, help="stop after this many presses")
    monitor.add_argument("--duration", type=float, help="stop after this many seconds")
    monitor.set_defaults(handler=run_monitor)

    lamps = sub.add_parser("lamps", help="switch buzzer lamps on, off or blinking")
    _source_options(lamps, ("bz1", "buzz"))
    lamps.add_argument(
        "settings", nargs="+", metavar="CH=MODE", help="channel (or * for all) = on, off or blink"
    )
    lamps.add_argument("--hold", type=float, default=0.0, help="stay connected this many seconds")
    lamps.set_defaults(handler=run_lamps)

    simulate = sub.add_parser("simulate", help="a simulated bz1 box on a pseudo-terminal")
    simulate.add_argument("--link", type=Path, help="where to publish the terminal (a symlink)")
    simulate.add_argument("--channels", type=int, default=8, help="number of buzzers (default 8)")
    simulate.add_argument(
        "--drift-ppm", type=float, default=2000, help="box clock error, ppm (default 2000 = 0.2%%)"
    )
    simulate.add_argument(
        "--wrap-in", type=float, default=30, help="seconds until the 32-bit box clock wraps"
    )
    simulate.add_argument("--script", help="script file, or - for standard input (the default)")
    simulate.add_argument("--every", type=float, help="also press a random channel this often (s)")
    simulate.add_argument("--duration", type=float, help="run this long even after the script")
    simulate.add_argument("--seed", type=int, default=0, help="seed for boot ids and --every")
    simulate.add_argument("--json", action="store_true", help="JSON lines on standard output")
    simulate.set_defaults(handler=run_simulate)


def _source_options(parser: argparse.ArgumentParser, adapters: tuple[str, ...]) -> None:
    parser.add_argument(
        "port", help="device or pyserial URL (/dev/ttyACM0, socket://…, rfc2217://…); buzz: auto"
    )
    parser.add_argument("--adapter", choices=adapters, default="bz1", help="kind of box")
    parser.add_argument("--baud", type=int, default=None, help="baud rate (bz1 115200, lines 9600)")
    parser.add_argument(
        "--pattern",
        default="{ch}",
        help="lines adapter: line template, e.g. B{ch} or S{ch}:{button}",
    )
    parser.add_argument(
        "--map", action="append", default=[], metavar="LINE=CH", help="lines adapter: exact line"
    )
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=DEFAULT_LATENCY_NS / 1e6,
        help="lines/buzz: longest delay from press to arrival (the error bound is half)",
    )


def open_source(args: argparse.Namespace) -> PressSource:
    """Build (not start) the press source the options describe.

    Raises:
        ConfigError: the options do not describe a usable source.
        SourceUnavailable: the source needs something this machine lacks.
    """
    latency_ns = int(args.latency_ms * 1e6)
    if args.adapter == "buzz":
        from buzzers.buzz import BuzzSource

        return BuzzSource(args.port, latency_ns=latency_ns)
    if args.adapter == "lines":
        pattern = LinePattern(args.pattern or None, parse_map(args.map))
        session = LinesSession(args.port, pattern, latency_ns)
        return SerialLink(args.port, session, baudrate=args.baud or 9600)
    return SerialLink(args.port, Bz1Session(args.port), baudrate=args.baud or 115200)


def status_record(event: SourceEvent) -> dict[str, object] | None:
    """The JSON-ready status line of a status event (None for presses and releases)."""
    match event:
        case Connected(port, hello):
            record: dict[str, object] = {"status": "connected", "port": port}
            if hello is not None:
                record |= {"box_id": hello.box_id, "fw": hello.fw, "boot": hello.boot}
                record["channels"] = hello.channels
            return record
        case Synchronised(boot, samples, drift, bound_ns):
            return {
                "status": "synchronised",
                "boot": boot,
                "samples": samples,
                "drift_ppm": round(drift * 1e6, 1),
                "bound_ns": bound_ns,
            }
        case Resync(old_boot, new_boot):
            return {"status": "resync", "old_boot": old_boot, "new_boot": new_boot}
        case Disconnected(port, reason):
            return {"status": "disconnected", "port": port, "reason": reason}
        case LinesLost(count, expected, got):
            return {"status": "lines_lost", "count": count, "expected_seq": expected, "seq": got}
        case BoxError(code, text):
            return {"status": "box_error", "code": code, "text": text}
        case CommandDone(command):
            return {"status": "ok", "command": command}
        case LinkStats(stats):
            return {
                "status": "damaged_lines",
                "garbage": stats.garbage,
                "overlong": stats.overlong,
                "truncated": stats.truncated,
            }
    return None


def _status_text(record: dict[str, object]) -> str:
    kind = record["status"]
    rest = " ".join(f"{k}={v}" for k, v in record.items() if k != "status")
    return f"{kind}: {rest}"


def _press_text(event: Press | Release, started_ns: int) -> str:
    kind = "press  " if isinstance(event, Press) else "release"
    button = f" {event.button}" if event.button else ""
    device = f" box {event.device_us} µs" if event.device_us is not None else ""
    seconds = (event.host_ns - started_ns) / 1e9
    return (
        f"{kind} ch {event.channel:>2}{button}  seq {event.seq:>5}{device}"
        f"  at {seconds:+.6f} s ±{event.bound_ns / 1e6:.3f} ms"
    )


def _emit(stream: TextIO, text: str) -> None:
    stream.write(text + "\n")
    stream.flush()


def run_monitor(args: argparse.Namespace) -> int:
    """``quiz buzzers monitor``: print presses until ``--count``, ``--duration`` or Ctrl-C."""
    try:
        source = open_source(args)
    except BuzzerError as exc:
        _emit(sys.stderr, f"error: {exc}")
        return 2
    started = time.monotonic_ns()
    deadline = None if args.duration is None else started + int(args.duration * 1e9)
    presses = 0
    source.start()
    try:
        while args.count is None or presses < args.count:
            if deadline is not None and time.monotonic_ns() >= deadline:
                break
            event = source.get(timeout=0.1)
            if event is None:
                continue
            if isinstance(event, Press | Release):
                if isinstance(event, Release) and not args.releases:
                    continue
                presses += isinstance(event, Press)
                line = json.dumps(press_record(event)) if args.json else _press_text(event, started)
                _emit(sys.stdout, line)
                continue
            record = status_record(event)
            if record is not None:
                _emit(sys.stderr, json.dumps(record) if args.json else _status_text(record))
    except KeyboardInterrupt:
        pass
    finally:
        source.stop()
    return 0


def parse_lamp_setting(text: str) -> tuple[int | None, LampMode]:
    """Parse ``CH=MODE`` (``3=on``, ``*=off``, ``2=blink``).

    Raises:
        ConfigError: not of that form.
    """
    channel, sep, mode = text.partition("=")
    if not sep or mode.lower() not in _MODES:
        raise ConfigError(f"{text!r}: expected CH=MODE with MODE on, off or blink (e.g. 3=on)")
    if channel in ("*", "all"):
        return None, _MODES[mode.lower()]
    if not channel.isdigit():
        raise ConfigError(f"{text!r}: expected CH=MODE with CH a channel number or *")
    return int(channel), _MODES[mode.lower()]


def run_lamps(args: argparse.Namespace) -> int:
    """``quiz buzzers lamps``: connect, set the lamps, report the box's answers."""
    try:
        settings = [parse_lamp_setting(s) for s in args.settings]
        args.map, args.pattern = [], "{ch}"
        source = open_source(args)
    except BuzzerError as exc:
        _emit(sys.stderr, f"error: {exc}")
        return 2
    source.start()
    status = 0
    try:
        if not _wait_for(source, Connected, 5.0):
            _emit(sys.stderr, f"error: no box answered on {args.port}")
            return 1
        for channel, mode in settings:
            source.set_lamp(channel, mode)
        if args.adapter == "bz1":
            answers = 0
            end = time.monotonic() + 3.0
            while answers < len(settings) and time.monotonic() < end:
                event = source.get(timeout=0.1)
                if isinstance(event, CommandDone | BoxError):
                    answers += 1
                    record = status_record(event)
                    assert record is not None
                    _emit(sys.stdout, _status_text(record))
                    status = 1 if isinstance(event, BoxError) else status
            if answers < len(settings):
                _emit(sys.stderr, "error: the box did not confirm every lamp")
                status = 1
        if args.hold:
            threading.Event().wait(args.hold)
    except BuzzerError as exc:
        _emit(sys.stderr, f"error: {exc}")
        status = 2
    finally:
        source.stop()
    return status


def _wait_for(source: PressSource, kind: type, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if isinstance(source.get(timeout=0.1), kind):
            return True
    return False


def run_simulate(args: argparse.Namespace) -> int:
    """``quiz buzzers simulate``: a bz1 box on a pty until its script (or stdin) ends."""
    try:
        steps = (
            None
            if args.script in (None, "-")
            else parse_script(Path(args.script).read_text(encoding="utf-8").splitlines())
        )
    except (OSError, ConfigError) as exc:
        _emit(sys.stderr, f"error: {exc}")
        return 2
    link = args.link or Path(tempfile.gettempdir()) / f"quiz-bz1-{os.getpid()}"
    lock = threading.Lock()

    def show(event: TrueEvent | str | dict[str, object]) -> None:
        if isinstance(event, dict):
            record = event
        elif isinstance(event, str):
            record = {"status": event}
        else:
            record = {
                "event": event.kind,
                "channel": event.channel,
                "seq": event.seq,
                "device_us": event.device_us,
                "host_ns": event.host_ns,
                "boot": event.boot,
            }
        with lock:
            _emit(
                sys.stdout,
                json.dumps(record)
                if args.json
                else " ".join(f"{k}={v}" for k, v in record.items()),
            )

    wrap_us = max(0, int(args.wrap_in * 1e6))
    box = SimulatedBox(
        channels=args.channels,
        drift=args.drift_ppm / 1e6,
        start_us=U32 - wrap_us,
        rng=random.Random(args.seed),
    )
    sim = PtySimulator(box, link, on_event=show)
    stopping = threading.Event()
    sim.start()
    show({"status": "ready", "port": str(link), "boot": box.boot, "channels": box.channels})
    started = time.monotonic()
    auto = None
    if args.every:
        auto = threading.Thread(
            target=_press_randomly, args=(sim, args.every, random.Random(args.seed), stopping)
        )
        auto.start()
    try:
        if steps is not None:
            sim.run(steps, stopping)
        else:
            _run_stdin(sim, stopping)
        if args.duration is not None:
            stopping.wait(max(0.0, args.duration - (time.monotonic() - started)))
        else:
            stopping.wait(0.5)  # let the last lines reach the reader
    except KeyboardInterrupt:
        pass
    finally:
        stopping.set()
        if auto is not None:
            auto.join()
        sim.stop()
    return 0


def _run_stdin(sim: PtySimulator, stopping: threading.Event) -> None:
    for line in sys.stdin:
        try:
            steps: list[Step] = parse_script([line])
        except ConfigError as exc:
            _emit(sys.stderr, f"error: {exc}")
            continue
        if any(step.action == "quit" for step in steps):
            return
        sim.run(steps, stopping)


def _press_randomly(
    sim: PtySimulator, every: float, rng: random.Random, stopping: threading.Event
) -> None:
    while not stopping.wait(every):
        sim.press(rng.randint(1, sim.box.channels), 0.1)
