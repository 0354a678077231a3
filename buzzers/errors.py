"""Errors of the buzzers package.

Bad bytes from a box are never an exception: the codecs count and skip them. Exceptions are for
operators and programmers who ask for something impossible.

Exception tree::

    BuzzerError                 root; never raised itself
    ├── ConfigError             an adapter option, lamp command or script line is invalid
    ├── NotSynchronised         a box time was mapped before any sync sample existed
    ├── SourceUnavailable       the source cannot be used here (no hidapi, no device found)
    └── InvalidMessage          a bz1 message or command was built with out-of-range fields
                                (also a ValueError; the decoders catch it and count the line)
"""

from __future__ import annotations


class BuzzerError(Exception):
    """Root of every error the buzzers package raises."""


class ConfigError(BuzzerError):
    """An adapter option, lamp command or simulator script line is invalid."""


class NotSynchronised(BuzzerError):
    """A box time was mapped to host time before the clock fit had any sample."""


class SourceUnavailable(BuzzerError):
    """The press source cannot be used on this machine (missing library or device)."""


class InvalidMessage(BuzzerError, ValueError):
    """A bz1 message or command was built with a field out of its documented range."""
