"""Alembic environment: migrations run on the connection Toasty hands over (see bot.store.db)."""

from __future__ import annotations

from alembic import context

from bot.store.db import toasty_owns
from bot.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - Toasty always passes its own connection
    raise RuntimeError("run migrations through `toasty migrate` (or Database.migrate), which supplies a connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_name=toasty_owns)
with context.begin_transaction():
    context.run_migrations()
