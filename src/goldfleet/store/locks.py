"""Locks on the objects goldfleet changes, so that two commands never change one at once.

A row says which holder (a workflow id, or a command running without a workflow) holds an
object (an owner such as ``pool/contoso-pooled``), for which command, by whom and since when.
Whether a holder is still alive is not this module's business (``goldfleet.api.coordination``
asks the engine); this module only reads rows and swaps them atomically: :func:`take` succeeds
only if every row still names the holder the caller saw when it decided the objects were free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select, update

from goldfleet.store.db import for_update
from goldfleet.store.tables import locks


@dataclass(frozen=True)
class Lock:
    object: str
    holder: str
    command: str
    actor: str
    acquired_at: str


def read(engine: Engine, objects: Iterable[str]) -> list[Lock]:
    wanted = sorted(set(objects))
    if not wanted:
        return []
    with engine.connect() as connection:
        rows = connection.execute(select(locks).where(locks.c.object.in_(wanted)))
        return [Lock(**dict(r._mapping)) for r in rows]


def held_by(engine: Engine, holder: str) -> list[Lock]:
    with engine.connect() as connection:
        rows = connection.execute(select(locks).where(locks.c.holder == holder))
        return [Lock(**dict(r._mapping)) for r in rows]


def take(
    engine: Engine,
    objects: Iterable[str],
    seen: Mapping[str, str | None],
    *,
    holder: str,
    command: str,
    actor: str,
    at: str,
) -> bool:
    """Make ``holder`` the holder of every object, in one transaction, if each row still names
    the holder in ``seen`` (None: no row); False, changing nothing, if another command moved."""
    wanted = sorted(set(objects))
    with for_update(engine).begin() as connection:
        rows = {
            r.object: r.holder
            for r in connection.execute(
                select(locks.c.object, locks.c.holder)
                .where(locks.c.object.in_(wanted))
                .with_for_update()
            )
        }
        if any(rows.get(o) != seen.get(o) for o in wanted):
            return False
        for obj in wanted:
            values = {"holder": holder, "command": command[:300], "actor": actor, "acquired_at": at}
            if obj in rows:
                if rows[obj] != holder:
                    connection.execute(update(locks).where(locks.c.object == obj).values(**values))
            else:
                connection.execute(insert(locks).values(object=obj, **values))
    return True


def release(engine: Engine, holder: str) -> int:
    """Drop every lock ``holder`` holds; how many."""
    with engine.begin() as connection:
        return connection.execute(delete(locks).where(locks.c.holder == holder)).rowcount or 0
