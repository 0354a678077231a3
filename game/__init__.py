"""The contest engine: pure, deterministic, no I/O.

Commands go in, events and effects come out (``game.engine.decide``); events fold into state
(``game.engine.apply``). Time and random seeds are inputs; timers leave as effects and come back as
commands. See ``docs/architecture.md``.
"""
