"""Alembic environment of SPIP Desktop.

The application runs migrations over its own connection (see
``spip_desktop.db.migrate``), inside one transaction: an upgrade is all or
nothing. ``alembic`` on the command line (for ``alembic check`` and new
revisions) uses ``sqlalchemy.url`` from the config or ``SPIP_DATABASE_URL``.
"""

from __future__ import annotations

import os

from alembic import context

from spip_desktop.db.engine import create_engine_for
from spip_desktop.db.models import Base
from spip_desktop.db.search import is_search_object

config = context.config
target_metadata = Base.metadata


def include_object(obj, name, type_, reflected, compare_to):
    """Leave the search structures (FTS5 tables, trigram index) to the migrations."""
    return not (type_ in ("table", "index") and is_search_object(name))


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=True,
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("SPIP_DATABASE_URL")
    if not url:
        raise SystemExit("Indiquez la base avec SPIP_DATABASE_URL ou sqlalchemy.url.")
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            _configure(connection)
            context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("SPIP Desktop ne génère pas de SQL hors ligne.")
run_migrations_online()
