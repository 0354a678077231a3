"""The WebSocket endpoint: hello and auth, per-connection sender, limits, commands, clock sync.

Theory of operation (docs/protocol.md)
--------------------------------------
A connection lives in ``serve``: the Origin is checked before the upgrade; the first frame must be
a valid ``hello`` with a working credential; then the connection is attached to its contest's hub
(which sends what it missed, or a snapshot); from then on everything the server says to it goes
through its ``Connection`` (``server.hub``), written directly while the socket keeps up. The
receive loop enforces the size limit and a token-bucket rate limit, parses each frame into a typed
message (``server.protocol``) and turns it into an engine command for the contest's runner.
Every refusal is an ``error`` message with a stable code; a client that keeps misbehaving is
closed (4029).

Clock sync: the service pings every player and agent connection about once a second (``t0`` is
stamped when the ping is actually written), pongs feed the connection's ``ClockEstimator``, and
buzzes are mapped to server time with it.

Venue agents and the buzzer check (``server.agents``): every frame of an agent is its heartbeat,
its ``status`` and the fate of its presses go to the hub's status board for the host; while the
host's buzzer check is on, presses and tablet buzzes are answered ``ack`` with ``check: true`` and
announced by the hub, never submitted to the runner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import msgspec
from starlette.types import Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from game import commands as c
from game.errors import RuleError
from server import presses
from server import protocol as p
from server.agents import buzzers_live
from server.contests import ContestService, ServiceError
from server.hub import AGENT_PINGS, PING, REVOKED, Connection
from server.origins import request_origin_allowed
from server.runner import CommandRef, CommitFailed, ContestBusy, ContestRunner, describe
from server.wire import direct_frames

log = logging.getLogger(__name__)

# Error strikes (docs/protocol.md §4): a connection may have MAX_STRIKES errors in a burst; one is
# forgiven per second, so a client that errs less than once a second on average is never closed,
# and one that keeps misbehaving is closed with 4029 at the first error beyond its allowance.
MAX_STRIKES = 50
STRIKES_FORGIVEN_PER_SECOND = 1.0

CREDENTIALS = {
    "host": "host secret",
    "player": "player token",
    "agent": "agent token",
    "display": "screen token",
    "audience": "credential",
}
"""What each role's hello must carry, named in the ``unauthorized`` error."""


class RateLimiter:
    """A token bucket: ``rate`` tokens per second, bursts of up to ``burst`` (default ``rate``).

    It limits a connection's messages (``QUIZ_RATE_LIMIT``) and its errors (the strikes).
    """

    def __init__(self, rate: float, now: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = rate if burst is None else burst
        self.tokens = self.burst
        self.updated = now

    def allow(self, now: float) -> bool:
        """Take one token if there is one."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


async def serve(websocket: WebSocket, service: ContestService, send: Send) -> None:
    """Handle one WebSocket connection from handshake to close (``send``: its ASGI send)."""
    settings = service.settings
    contest_id = websocket.path_params["contest_id"]
    if not request_origin_allowed(websocket.scope, settings):
        await websocket.close(code=p.CLOSE_ORIGIN)  # before accept: HTTP 403
        return
    await websocket.accept()
    try:
        await service.ensure(contest_id)  # a finished contest loads on first use
    except ServiceError as refused:
        await _send_and_close(
            websocket, p.error(refused.code, refused.message), _close_code(refused)
        )
        return
    hub = service.hubs[contest_id]
    try:
        conn = await _hello(websocket, service, contest_id)
    except ServiceError as refused:  # the credential could not be checked: the database is down
        await _send_and_close(
            websocket, p.error(refused.code, refused.message), _close_code(refused)
        )
        return
    if conn is None:
        return
    if conn.agent_id is not None and conn.agent_id in hub.revoked_agents:
        # Revoked while its hello was being checked: no await between here and the attach,
        # so a revocation either is seen here or finds the connection attached and closes it.
        await _send_and_close(websocket, REVOKED.encode(), p.CLOSE_UNAUTHORIZED)
        return
    conn.send = send
    conn.direct = direct_frames(send)

    async def close(code: int) -> None:
        with contextlib.suppress(Exception):
            await websocket.close(code=code)

    conn.close = close
    hub.attach(conn, conn.last_seq)
    service.connections.add(conn)
    if conn.role == "agent":
        hub.agents.connected(conn, service.clock.now_ms())
    try:
        await _receive_loop(websocket, conn, service)
    finally:
        hub.detach(conn)
        service.connections.discard(conn)
        if conn.role == "agent":
            hub.agents.left(conn, service.clock.now_ms())
        await conn.stop()


def _close_code(refused: ServiceError) -> int:
    """The close code after a refusal before the welcome: 4004 for an unknown contest, 1013
    (try again later) when the database is unavailable, 1011 for anything else."""
    if refused.status == 404:
        return p.CLOSE_NO_CONTEST
    return p.CLOSE_TRY_AGAIN if refused.status == 503 else p.CLOSE_INTERNAL


async def _send_and_close(websocket: WebSocket, text: bytes, code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(text.decode())
        await websocket.close(code=code)


async def _hello(
    websocket: WebSocket, service: ContestService, contest_id: str
) -> Connection | None:
    settings = service.settings
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), settings.hello_timeout)
    except (TimeoutError, WebSocketDisconnect, RuntimeError, KeyError):
        with contextlib.suppress(Exception):
            await websocket.close(code=p.CLOSE_NO_HELLO)
        return None
    try:
        hello = p.parse(raw, None)
    except p.ProtocolError as refused:
        await _send_and_close(websocket, p.error(refused.code, refused.message), p.CLOSE_NO_HELLO)
        return None
    assert isinstance(hello, p.Hello)
    conn = Connection(
        role=hello.role,
        contest_id=contest_id,
        queue_size=settings.send_queue,
        lang=hello.lang,
        last_seq=hello.last_seq,
        stamp=service.clock.now_ms,
    )
    welcome: dict[str, Any] = {"type": "welcome", "role": hello.role, "contest_id": contest_id}
    accepted = hello.role == "audience"  # the audience needs no credential
    if hello.role == "host":
        accepted = await service.check_host(contest_id, hello.secret)
    elif hello.role == "player":
        player = await service.player_for_token(contest_id, hello.token)
        if player is not None:
            conn.team_id, conn.player_id = player.team_id, player.player_id
            conn.display_name = player.display_name
            welcome.update(team_id=player.team_id, player_id=player.player_id)
            accepted = True
    elif hello.role == "agent":
        agent = await service.agent_for_token(contest_id, hello.token)
        if agent is not None and agent.revoked:
            await _send_and_close(websocket, REVOKED.encode(), p.CLOSE_UNAUTHORIZED)
            return None
        if agent is not None:
            conn.agent_id, conn.agent_teams = agent.agent_id, agent.teams
            conn.venue = agent.venue
            welcome.update(agent_id=agent.agent_id, teams=sorted(agent.teams))
            accepted = True
    elif hello.role == "display":
        screen = await service.screen_for_token(contest_id, hello.token)
        if screen is not None:
            welcome.update(screen_id=screen.screen_id, venue=screen.venue)
            accepted = True
    if not accepted:
        message = p.error("unauthorized", f"missing or wrong {CREDENTIALS[hello.role]}")
        await _send_and_close(websocket, message, p.CLOSE_UNAUTHORIZED)
        return None
    if hello.role == "audience":
        conn.delay = max(settings.audience_delay, min(600.0, max(0.0, hello.delay or 0.0)))
        welcome["delay"] = conn.delay
    runner = service.runners[contest_id]
    welcome.update(
        seq=runner.seq,
        server_time=service.clock.now_ms(),
        ping_interval=int(settings.ping_interval * 1000),
        limits={
            "max_message_bytes": settings.max_message_bytes,
            "messages_per_second": settings.rate_limit,
        },
    )
    if hello.lang:
        welcome["lang"] = hello.lang
    try:
        await websocket.send_text(p.encode(welcome).decode())
    except Exception:
        return None
    return conn


async def _receive_loop(websocket: WebSocket, conn: Connection, service: ContestService) -> None:
    settings = service.settings
    loop = asyncio.get_running_loop()
    limiter = RateLimiter(settings.rate_limit, loop.time())
    strikes = RateLimiter(STRIKES_FORGIVEN_PER_SECOND, loop.time(), burst=MAX_STRIKES)
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        raw = message.get("text")
        if raw is None:
            raw_bytes = message.get("bytes") or b""
            size = len(raw_bytes)
            raw = raw_bytes
        else:
            size = len(raw.encode())
        if size > settings.max_message_bytes:
            await _send_and_close(
                websocket, p.error("message_too_large", "message too large"), p.CLOSE_TOO_BIG
            )
            return
        arrived_us = service.clock.now_us()
        if conn.role == "agent":  # any frame is the agent's heartbeat
            service.hubs[conn.contest_id].agents.heard(conn, arrived_us / 1000)
        message_id: p.MessageId | None = None
        try:
            parsed = p.parse(raw, conn.role)
            message_id = getattr(parsed, "id", None)
            if not isinstance(parsed, p.Pong) and not limiter.allow(loop.time()):
                raise p.ProtocolError("rate_limited", "too many messages; slow down", message_id)
            await _handle(parsed, conn, service, arrived_us)
            refusal = None
        except p.ProtocolError as refused:
            refusal = p.error(refused.code, refused.message, refused.message_id)
        except Exception:  # a bug of ours: logged, the client told, the connection kept
            log.exception("a %s message on contest %s failed", conn.role, conn.contest_id)
            refusal = p.error("internal_error", "the server failed; it has been logged", message_id)
        if refusal is not None:
            conn.offer(refusal.decode())
            if not strikes.allow(loop.time()):
                await _send_and_close(
                    websocket, p.error("too_many_errors", "too many errors"), p.CLOSE_ABUSE
                )
                return
        if websocket.client_state == WebSocketState.DISCONNECTED:
            return


async def _handle(
    message: p.ClientMessage, conn: Connection, service: ContestService, arrived_us: int
) -> None:
    if isinstance(message, p.Pong):
        _pong(message, conn, service)
        return
    if isinstance(message, p.TimeRequest):
        conn.offer(
            p.encode(
                {"type": "time", "id": message.id, "server_time": service.clock.now_ms()}
            ).decode()
        )
        return
    assert not isinstance(message, p.Hello)
    runner = service.runners[conn.contest_id]
    hub = service.hubs[conn.contest_id]
    if isinstance(message, p.StatusMessage):
        hub.agents.reported(conn, message, arrived_us / 1000)
        conn.offer(p.ack(message.id, runner.seq).decode())
        return
    if isinstance(message, p.CheckRequest):
        if message.on and buzzers_live(runner.state):
            refusal = "a buzzer question is live; start the buzzer check when it is closed"
            conn.offer(p.error("buzzer_question_open", refusal, message.id).decode())
            return
        hub.set_check(message.on)
        conn.offer(p.ack(message.id, runner.seq).decode())
        return
    keep_time = False
    command: c.Command
    if isinstance(message, p.CommandMessage):
        request = p.host_command(message)
        if isinstance(request, p.TieBreakRequest):
            try:
                question = await service.tiebreak_question(conn.contest_id)
            except ServiceError as error:
                raise p.ProtocolError(error.code, error.message, message.id) from None
            command = c.StartTieBreak(at=0, question=question)
        else:
            command = request
    elif isinstance(message, p.BuzzMessage):
        assert conn.team_id is not None
        _own_team_only(message, conn)
        if hub.check.on:  # a buzzer check: the team lights up, the contest hears nothing
            hub.check_press(conn.team_id, "tablet", None, None, arrived_us)
            if conn.player_id is not None and conn.clock is not None and conn.clock.synced:
                pressed = _tablet_buzz(message, conn, arrived_us).pressed_at
                hub.calibration_press(conn.player_id, pressed)
            conn.offer(p.check_ack(message.id).decode())
            return
        command = _tablet_buzz(message, conn, arrived_us)
        keep_time = True
    elif isinstance(message, p.AnswerMessage):
        assert conn.team_id is not None and conn.player_id is not None
        _own_team_only(message, conn)
        command = c.SubmitAnswer(
            at=arrived_us, team_id=conn.team_id, player_id=conn.player_id, answer=message.answer
        )
        keep_time = True
    else:
        assert isinstance(message, p.PressMessage)
        try:
            _agent_team_only(message, conn)
            if hub.check.on:  # a buzzer check: the team lights up, the contest hears nothing
                hub.agents.checked(conn)
                hub.check_press(message.team_id, "box", message.box, message.channel, arrived_us)
                if conn.clock is not None and conn.clock.synced:
                    hub.calibration_press(None, _agent_press(message, conn, arrived_us).pressed_at)
                conn.offer(p.check_ack(message.id).decode())
                return
            command = _agent_press(message, conn, arrived_us)
        except p.ProtocolError as refused:
            hub.agents.refused(conn, refused.code, message.team_id, arrived_us / 1000)
            raise
        keep_time = True
    try:
        seq = await runner.submit(command, keep_time=keep_time, ref=_ref(message, conn))
    except (RuleError, ContestBusy, CommitFailed) as refused:
        fields = describe(refused)
        if isinstance(message, p.PressMessage):
            hub.agents.refused(conn, fields["code"], message.team_id, arrived_us / 1000)
        conn.offer(p.error(fields["code"], fields["message"], message.id).decode())
        if isinstance(refused, RuleError) and isinstance(command, c.Buzz):
            await _log_refused_press(runner, command, fields["code"])
        return
    if isinstance(message, p.PressMessage):
        hub.agents.accepted(conn, message)  # once: a resend gets its first ack again
    conn.offer(p.ack(message.id, seq).decode())


async def _log_refused_press(runner: ContestRunner, buzz: c.Buzz, code: str) -> None:
    """Log a press the rules refused, with its reason, for disputes (docs/game-rules.md, "Buzz
    arbitration"). Best effort, after the sender has its error: a refusal to log it (no
    question on screen, a full queue, the database) is not the sender's concern."""
    with contextlib.suppress(RuleError, ContestBusy, CommitFailed):
        await runner.submit(c.RecordRefusedPress(at=buzz.at, buzz=buzz, code=code), keep_time=True)


def _ref(
    message: p.CommandMessage | p.BuzzMessage | p.AnswerMessage | p.PressMessage,
    conn: Connection,
) -> CommandRef:
    """Who sent the message and as what, so that a resend gets the first ack instead of being
    carried out again (docs/protocol.md §3.4): ids are per sender — the host, each player, each
    agent — across connections and restarts."""
    if conn.role == "player":
        sender = f"player:{conn.player_id}"
    elif conn.role == "agent":
        sender = f"agent:{conn.agent_id}"
    else:
        sender = conn.role
    return CommandRef.of(sender, msgspec.json.encode(message))


def _own_team_only(message: p.BuzzMessage | p.AnswerMessage, conn: Connection) -> None:
    """A player acts only for the team and player of their token: a message that names another
    is refused, never carried out for the sender instead (docs/protocol.md §3.4)."""
    if message.team_id not in (None, conn.team_id) or message.player_id not in (
        None,
        conn.player_id,
    ):
        raise p.ProtocolError(
            "not_your_team", "a player acts only for their own team and self", message.id
        )


def _tablet_buzz(message: p.BuzzMessage, conn: Connection, arrived_us: int) -> c.Buzz:
    assert conn.clock is not None and conn.team_id is not None  # players sync their clocks
    return presses.tablet_buzz(
        conn.clock,
        team_id=conn.team_id,
        player_id=conn.player_id,
        pressed_at_ms=message.pressed_at,
        arrived_us=arrived_us,
    )


def _agent_team_only(message: p.PressMessage, conn: Connection) -> None:
    """An agent presses only for the teams it was created for (docs/protocol.md §3.4)."""
    if message.team_id not in conn.agent_teams:
        raise p.ProtocolError(
            "not_your_team", "this agent does not press for that team", message.id
        )


def _agent_press(message: p.PressMessage, conn: Connection, arrived_us: int) -> c.Buzz:
    _agent_team_only(message, conn)
    clock = conn.clock
    assert clock is not None  # agents sync their clocks
    if not clock.synced:
        raise p.ProtocolError("clock_not_synced", "answer a ping before pressing", message.id)
    return presses.box_press(
        clock,
        team_id=message.team_id,
        pressed_at_ms=message.pressed_at,
        box_bound_ms=message.bound,
        box=message.box,
        channel=message.channel,
        arrived_us=arrived_us,
    )


def _pong(message: p.Pong, conn: Connection, service: ContestService) -> None:
    t3 = service.clock.now_ms()
    if conn.pending_pings is None or conn.clock is None:
        return  # never pinged: nothing to answer
    t0 = conn.pending_pings.pop(message.id, None)
    if t0 is None or t0 != message.t0:
        return  # an unknown or forged ping: ignore
    clock = conn.clock
    if clock.add(t0, message.t1, message.t2, t3) is None:
        return
    estimate = (clock.offset, clock.bound)
    if estimate == conn.clock_sent:
        return  # the estimate rests on the same sample: nothing new to tell
    conn.clock_sent = estimate
    if conn.role == "agent":  # the host sees the agent's link bound
        service.hubs[conn.contest_id].agents.clock_changed(conn)
    reply = {"type": "clock", "offset": estimate[0], "bound": estimate[1]}
    conn.offer(p.encode({**reply, "samples": clock.samples}).decode())


PING_SLICES = 10


async def pinger(service: ContestService) -> None:
    """Ping every player connection about once per ``ping_interval`` and every agent
    ``AGENT_PINGS`` times, forever (a lifespan task). The pings of one round are spread over the
    interval in ``PING_SLICES`` slices, so thousands of tablets are not all pinged (and all
    answering) at the same moment."""
    while True:
        clocked = [conn for conn in service.connections if conn.syncs_clock]
        tablets = [conn for conn in clocked if conn.role != "agent"]
        agents = [conn for conn in clocked if conn.role == "agent"]
        for part in range(PING_SLICES):
            await asyncio.sleep(service.settings.ping_interval / PING_SLICES)
            for conn in tablets[part::PING_SLICES]:
                conn.offer(PING)
            if part % (PING_SLICES // AGENT_PINGS) == 0:  # the few agents: several times a round
                for conn in agents:
                    conn.offer(PING)
