"""Alembic environment: runs migrations on the connection goldfleet hands it."""

from __future__ import annotations

from alembic import context

from goldfleet.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("goldfleet runs its migrations through goldfleet.store.db.upgrade()")


def _ours(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Only goldfleet's store tables: the engine's and DBOS's tables share the database."""
    return type_ != "table" or (name or "") in metadata.tables


context.configure(
    connection=connection,
    target_metadata=metadata,
    include_object=_ours,
    version_table="goldfleet_alembic_version",
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
