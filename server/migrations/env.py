"""Alembic environment: runs migrations on the connection the server hands over.

``Store.upgrade`` puts its open connection in ``config.attributes["connection"]``; migrations run
inside that transaction. Offline (SQL script) mode is not used.
"""

from __future__ import annotations

from alembic import context

from server.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    raise RuntimeError("run migrations through server.store.Store.upgrade (quiz db upgrade)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
