"""Hardware buzzers: the bz1 box protocol, press sources for the boxes that exist, and tools.

Layers, lowest first (each module is one concept; the pure ones do no I/O and read no clock):

- ``framing``    pure line framing shared by the codecs (printable ASCII lines, damage counters).
- ``bz1``        pure codec of the bz1 line protocol (bytes in, frozen messages out; encoders).
- ``clock``      pure mapping of a box's 32-bit microsecond clock onto the host's monotonic clock.
- ``events``     the press event every source produces, status events and source capabilities.
- ``session``    pure bz1 host session: codec + clock mapping + sync pings + heartbeat watch.
- ``lines``      pure session for simple boxes that send one configurable line per press.
- ``buzz``       Sony Buzz! USB handsets: pure report parsing and lamp reports, hidapi shell.
- ``transport``  the thin shell: a pyserial port (any URL) in an owned reader thread, with
                 reconnection and back-off, driving one pure session.
- ``simbox``     pure simulated bz1 box (drift, wrap, reboot) used by ``simulator``.
- ``simulator``  the simulated box on a pseudo-terminal, driven by a script.
- ``cli``        ``quiz buzzers monitor | lamps | simulate``.
- ``agent_config`` the venue agent's configuration (TOML and options), checked once.
- ``outbox``     presses waiting for the server's ack, in an atomically written state file.
- ``lamp_plan``  pure: the lamps of the venue's teams from the display view, and the box
                 commands that change them.
- ``agent_texts`` operator messages in Latvian, Lithuanian and English.
- ``agent``      the venue agent: boxes → ``press`` messages over the WebSocket, lamps back.
- ``agent_cli``  ``quiz agent``.

Nothing here imports ``server``: the venue agent talks to the server over the WebSocket protocol
(docs/protocol.md), like any other client.
"""
