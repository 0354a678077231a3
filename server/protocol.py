"""WebSocket messages (docs/protocol.md), validated once at the edge.

Theory of operation
-------------------
``parse(raw, role)`` turns one inbound frame into a typed, frozen message or raises
``ProtocolError`` with a stable code: ``bad_json`` (not JSON), ``invalid_message`` (missing or
mistyped fields, with msgspec's explanation), ``unknown_type``, ``forbidden`` (the role may not send
it). Host commands become the engine's own command structs, with ``at`` left for the runner to set.
Nothing deeper in the server handles raw dicts.

Ranges are part of the schema (``msgspec.Meta`` on the fields): clock readings are finite and
within ±10^13 ms, ids and counts fit in 64 bits, texts are bounded. Anywhere in a frame, arrays
and objects nest at most ``MAX_NESTING`` deep and integers fit in 64 bits, so no number or depth
a client sends can overflow a conversion or the stack further in (docs/protocol.md §4).

Outbound messages are small helpers returning encoded bytes, so each is encoded exactly once.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import msgspec

from game import commands as c
from game.questions import Answer, Question

Role = Literal["host", "player", "display", "audience", "agent"]
MessageId = int | str

# --- ranges checked at the edge (docs/protocol.md §4) --------------------------------------------
INT64_MAX = 2**63 - 1
# A clock reading in ms (a ping's t0, a pong's t1/t2, a press time): finite and within ±10^13
# (about 317 years from the clock's epoch), so every sum and product of them stays finite.
MAX_CLOCK_READING_MS = 1e13
ClockReading = Annotated[float, msgspec.Meta(ge=-MAX_CLOCK_READING_MS, le=MAX_CLOCK_READING_MS)]
PingId = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
MAX_ID_LENGTH = 64
# A message id: a 64-bit integer or a text of at most MAX_ID_LENGTH characters.
WireId = (
    Annotated[int, msgspec.Meta(ge=-INT64_MAX - 1, le=INT64_MAX)]
    | Annotated[str, msgspec.Meta(max_length=MAX_ID_LENGTH)]
)
MAX_PRESS_BOUND_MS = 60_000.0  # an agent's error bound beyond a minute says nothing of the press
MAX_NESTING = 32  # arrays and objects nested deeper than this are refused (messages, HTTP bodies)
Credential = Annotated[str, msgspec.Meta(max_length=256)]
ShortText = Annotated[str, msgspec.Meta(max_length=100)]

# --- close codes (docs/protocol.md §4) -----------------------------------------------------------
CLOSE_NORMAL = 1000
CLOSE_GOING_AWAY = 1001
CLOSE_TOO_BIG = 1009
CLOSE_INTERNAL = 1011
CLOSE_TRY_AGAIN = 1013
CLOSE_NO_HELLO = 4000
CLOSE_UNAUTHORIZED = 4001
CLOSE_ORIGIN = 4003
CLOSE_NO_CONTEST = 4004
CLOSE_TOO_SLOW = 4008
CLOSE_ABUSE = 4029


class ProtocolError(Exception):
    """A client message the server refuses; ``code`` is stable and sent back."""

    def __init__(self, code: str, message: str, message_id: MessageId | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_id = message_id


class Hello(msgspec.Struct, frozen=True, kw_only=True, tag="hello"):
    role: Role
    secret: Credential | None = None
    token: Credential | None = None
    lang: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    delay: Annotated[float, msgspec.Meta(ge=0, le=600)] | None = None
    last_seq: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)] | None = None


class CommandMessage(msgspec.Struct, frozen=True, kw_only=True, tag="command"):
    id: WireId
    command: dict[str, Any]


class BuzzMessage(msgspec.Struct, frozen=True, kw_only=True, tag="buzz"):
    id: WireId
    pressed_at: ClockReading
    team_id: ShortText | None = None  # optional; must be the player's own (else not_your_team)
    player_id: ShortText | None = None


class AnswerMessage(msgspec.Struct, frozen=True, kw_only=True, tag="answer"):
    id: WireId
    answer: Answer
    team_id: ShortText | None = None  # optional; must be the player's own (else not_your_team)
    player_id: ShortText | None = None


class PressMessage(msgspec.Struct, frozen=True, kw_only=True, tag="press"):
    id: WireId
    team_id: ShortText
    pressed_at: ClockReading
    bound: Annotated[float, msgspec.Meta(ge=0, le=MAX_PRESS_BOUND_MS)] = 0.0
    channel: Annotated[int, msgspec.Meta(ge=0, le=255)] | None = None
    box: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class Pong(msgspec.Struct, frozen=True, kw_only=True, tag="pong"):
    id: PingId
    t0: ClockReading
    t1: ClockReading
    t2: ClockReading


class TimeRequest(msgspec.Struct, frozen=True, kw_only=True, tag="time"):
    id: WireId


# --- agent status and the buzzer check (docs/protocol.md §3.6, §3.7) -----------------------------
MAX_BOXES = 16  # boxes one agent reports
MAX_CHANNELS = 64  # channels of one box
MAX_BUFFERED = 1_000_000  # presses an agent may say it holds
BoxText = Annotated[str, msgspec.Meta(max_length=64)]
ChannelNumber = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,3}$")]


class BoxStatus(msgspec.Struct, frozen=True, kw_only=True):
    """One box of an agent's ``status``: its port, whether it is open, its channels' teams."""

    port: Annotated[str, msgspec.Meta(max_length=200)]  # the port URL, credentials stripped
    state: Literal["open", "down"]
    box: BoxText | None = None  # the box id from its HELLO
    firmware: BoxText | None = None
    channels: Annotated[dict[ChannelNumber, ShortText], msgspec.Meta(max_length=MAX_CHANNELS)] = {}
    bound_ms: Annotated[float, msgspec.Meta(ge=0, le=MAX_PRESS_BOUND_MS)] | None = None
    error: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class StatusMessage(msgspec.Struct, frozen=True, kw_only=True, tag="status"):
    """An agent's report of its boxes (sent after the welcome, on changes, every 10 s)."""

    id: WireId
    boxes: Annotated[list[BoxStatus], msgspec.Meta(max_length=MAX_BOXES)] = []
    buffered: Annotated[int, msgspec.Meta(ge=0, le=MAX_BUFFERED)] = 0


class CheckRequest(msgspec.Struct, frozen=True, kw_only=True, tag="check"):
    """The host turns the buzzer check on or off."""

    id: WireId
    on: bool


ClientMessage = (
    Hello
    | CommandMessage
    | BuzzMessage
    | AnswerMessage
    | PressMessage
    | Pong
    | TimeRequest
    | StatusMessage
    | CheckRequest
)

_TYPES: dict[str, type[Any]] = {
    "hello": Hello,
    "command": CommandMessage,
    "buzz": BuzzMessage,
    "answer": AnswerMessage,
    "press": PressMessage,
    "pong": Pong,
    "time": TimeRequest,
    "status": StatusMessage,
    "check": CheckRequest,
}

ALLOWED: dict[str, frozenset[str]] = {
    "host": frozenset({"command", "time", "pong", "check"}),
    "player": frozenset({"buzz", "answer", "pong", "time"}),
    "agent": frozenset({"press", "pong", "time", "status"}),
    "display": frozenset({"time"}),
    "audience": frozenset({"time"}),
}

# Host commands a client may send over the WebSocket (setup goes through the HTTP API).
WS_HOST_COMMANDS: dict[str, type[Any]] = {
    "start_contest": c.StartContest,
    "start_round": c.StartRound,
    "show_question": c.ShowQuestion,
    "open_buzzers": c.OpenBuzzers,
    "lock_answers": c.LockAnswers,
    "judge": c.Judge,
    "undo_judgement": c.UndoJudgement,
    "forgive_false_start": c.ForgiveFalseStart,
    "reveal": c.Reveal,
    "next_question": c.NextQuestion,
    "skip_question": c.SkipQuestion,
    "end_round": c.EndRound,
    "pause": c.Pause,
    "resume": c.Resume,
    "adjust_score": c.AdjustScore,
    "start_tiebreak": c.StartTieBreak,
    "end_contest": c.EndContest,
    "remove_player": c.RemovePlayer,
    "set_touch_latency": c.SetTouchLatency,
    "set_team_time_mode": c.SetTeamTimeMode,
}

_decoder = msgspec.json.Decoder()


class TieBreakRequest(msgspec.Struct, frozen=True, kw_only=True):
    """``start_tiebreak`` without a question: the server picks one from the contest's reserve."""

    question: Question | None = None


def _decode(raw: str | bytes) -> Any:
    try:
        try:
            return _decoder.decode(raw)
        except msgspec.ValidationError:  # JSON, but a number beyond a double (1e309): read it
            return _overflow_decoder.decode(raw)  # as ±inf, for _out_of_bounds to refuse
    except RecursionError:  # msgspec's own limit, reached before MAX_NESTING can be checked
        raise ProtocolError("invalid_message", _TOO_DEEP) from None
    except (msgspec.DecodeError, UnicodeError):  # UnicodeError: a str with lone surrogates
        raise ProtocolError("bad_json", "not valid JSON") from None


_overflow_decoder = msgspec.json.Decoder(float_hook=float)
_TOO_DEEP = f"arrays and objects may nest at most {MAX_NESTING} deep"
_INT64_MIN = -INT64_MAX - 1


def _out_of_bounds(data: Any) -> str | None:
    """Why decoded JSON is refused wherever it sits (also in fields the schema ignores): arrays
    and objects nested deeper than ``MAX_NESTING``, an integer beyond 64 bits or a number beyond
    a double; ``None`` if none. Iterative, so depth costs no stack."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > MAX_NESTING:
                return _TOO_DEEP
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, depth + 1) for item in items)
        elif type(value) is int and not _INT64_MIN <= value <= INT64_MAX:
            return "integers must fit in 64 bits"
        elif type(value) is float and not math.isfinite(value):
            return "numbers must be within the range of a double (about ±1.8e308)"
    return None


def decode_json(raw: str | bytes) -> Any:
    """Decode one untrusted JSON document (a message or an HTTP body) within the edge's limits:
    ``ProtocolError`` ``bad_json`` when it is not JSON, ``invalid_message`` when it nests
    deeper than ``MAX_NESTING`` or holds a number out of range."""
    data = _decode(raw)
    refusal = _out_of_bounds(data)
    if refusal is not None:
        raise ProtocolError("invalid_message", refusal)
    return data


def _echoable(message_id: Any) -> MessageId | None:
    """A message's ``id`` if it may be echoed in an error (a valid id), else ``None``."""
    if type(message_id) is int and _INT64_MIN <= message_id <= INT64_MAX:
        return message_id
    if isinstance(message_id, str) and len(message_id) <= MAX_ID_LENGTH:
        return message_id
    return None


def parse(raw: str | bytes, role: Role | None) -> ClientMessage:
    """Decode and validate one client frame of a ``role`` connection (``None``: before hello)."""
    data = _decode(raw)
    if not isinstance(data, dict):
        raise ProtocolError("invalid_message", "a message must be a JSON object")
    message_id = _echoable(data.get("id"))
    refusal = _out_of_bounds(data)
    if refusal is not None:
        raise ProtocolError("invalid_message", refusal, message_id)
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("invalid_message", "the message has no `type`", message_id)
    cls = _TYPES.get(kind)
    if cls is None:
        raise ProtocolError("unknown_type", f"unknown message type {kind!r}", message_id)
    if role is None and kind != "hello":
        raise ProtocolError("hello_required", "send hello first", message_id)
    if role is not None and kind == "hello":
        raise ProtocolError("already_hello", "hello was already sent", message_id)
    if role is not None and kind not in ALLOWED[role]:
        raise ProtocolError("forbidden", f"a {role} may not send {kind!r}", message_id)
    body = {k: v for k, v in data.items() if k != "type"}
    try:
        message: ClientMessage = msgspec.convert(body, type=cls)
    except msgspec.ValidationError as error:
        raise ProtocolError("invalid_message", str(error), message_id) from None
    return message


def host_command(message: CommandMessage) -> c.Command | TieBreakRequest:
    """The engine command a host message asks for (``at`` is set later by the runner)."""
    body = dict(message.command)
    kind = body.pop("type", None)
    if not isinstance(kind, str):
        raise ProtocolError("invalid_message", "the command has no `type`", message.id)
    cls = WS_HOST_COMMANDS.get(kind)
    if cls is None:
        raise ProtocolError("unknown_type", f"unknown command {kind!r}", message.id)
    try:
        if cls is c.StartTieBreak and "question" not in body:
            return msgspec.convert(body, type=TieBreakRequest)
        command: c.Command = msgspec.convert({**body, "at": 0}, type=cls)
    except msgspec.ValidationError as error:
        raise ProtocolError("invalid_message", f"command {kind!r}: {error}", message.id) from None
    return command


# --- outbound -------------------------------------------------------------------------------------

_encoder = msgspec.json.Encoder()


def encode(message: dict[str, Any]) -> bytes:
    """Encode one outbound message."""
    return _encoder.encode(message)


def error(code: str, message: str, message_id: MessageId | None = None) -> bytes:
    """An ``error`` message."""
    body: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if message_id is not None:
        body["id"] = message_id
    return encode(body)


def ack(message_id: MessageId, seq: int) -> bytes:
    """An ``ack`` message."""
    return encode({"type": "ack", "id": message_id, "seq": seq})


def check_ack(message_id: MessageId) -> bytes:
    """The ``ack`` of a press in buzzer-check mode: no ``seq``, nothing was recorded."""
    return encode({"type": "ack", "id": message_id, "check": True})
