"""The contest server: Starlette app, WebSocket protocol, runner, persistence, the `quiz` CLI."""

__version__ = "0.1.0"
