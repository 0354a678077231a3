"""The refusal of a stale owner's append (several processes, ``server.cluster``).

Its own module so that the store, which raises it, and the runner, which catches it, share it
without either importing the cluster.
"""

from __future__ import annotations


class Fenced(RuntimeError):
    """An append carried a fencing token older than the contest's newest: another process owns
    the contest now; nothing was written (``Store.append``)."""
